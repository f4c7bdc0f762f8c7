/**
 * Learning-rate schedules. An {@link io.epochal.worker.schedule.LrSchedule} is a pure function of
 * its position: the 0-based global optimizer step, or the epoch under {@code schedule.interval=epoch},
 * so resuming it needs nothing but that position. {@link io.epochal.worker.schedule.ReduceOnPlateau}
 * is not: it decides the rate from the epochs' metrics, and its best value, bad-epoch count,
 * cooldown, reductions and reduced rate are checkpointed and restored with every checkpoint. Entry
 * point: {@link io.epochal.worker.schedule.LrSchedules}.
 */
package io.epochal.worker.schedule;
