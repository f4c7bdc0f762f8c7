/**
 * Learning-rate schedules: pure functions of the 0-based global optimizer step, so a schedule's
 * position is the global step and resuming needs nothing but that step. Entry points:
 * {@link io.epochal.worker.schedule.LrSchedules} and {@link io.epochal.worker.schedule.LrSchedule}.
 */
package io.epochal.worker.schedule;
