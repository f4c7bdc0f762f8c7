package io.epochal.worker.schedule;

import io.epochal.params.HyperParameters;

/**
 * A learning-rate schedule: the rate of every optimizer step as a pure function of the 0-based
 * global step (the first step of the job is 0), given the base rate. Implementations are
 * immutable values.
 */
public interface LrSchedule {

  /** The name recorded in the manifest, e.g. {@code cosine} or {@code warmup+cosine}. */
  String name();

  /** The base learning rate the schedule scales (the optimizer's {@code lr}). */
  double baseLr();

  /**
   * The learning rate of global step {@code step}.
   *
   * @throws IllegalArgumentException if {@code step} is negative
   */
  double lr(long step);

  /**
   * The schedule's position for the manifest: {@code schedule.name}, {@code schedule.base_lr},
   * {@code schedule.step} (the next global step) and {@code schedule.lr} (its rate).
   */
  default HyperParameters state(long step) {
    return HyperParameters.builder()
        .put("schedule.name", name())
        .put("schedule.base_lr", baseLr())
        .put("schedule.step", step)
        .put("schedule.lr", lr(step))
        .build();
  }
}
