package io.epochal.worker.schedule;

import io.epochal.params.HyperParameters;
import java.util.OptionalDouble;

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
   * The momentum (optimizers {@code sgd} and {@code rmsprop}) or first beta ({@code adam}, {@code adamw}) of global
   * step {@code step} when the schedule sets it, as torch's {@code OneCycleLR} with {@code cycle_momentum=True} sets
   * the optimizer's; empty when the optimizer's own stays.
   *
   * @throws IllegalArgumentException if {@code step} is negative
   */
  default OptionalDouble momentum(long step) {
    Schedules.checkStep(step);
    return OptionalDouble.empty();
  }

  /**
   * The schedule's position for the manifest: {@code schedule.name}, {@code schedule.base_lr},
   * {@code schedule.step} (the next global step), {@code schedule.lr} (its rate) and, when the schedule sets it,
   * {@code schedule.momentum} (its momentum or first beta).
   */
  default HyperParameters state(long step) {
    HyperParameters.Builder b = HyperParameters.builder()
        .put("schedule.name", name())
        .put("schedule.base_lr", baseLr())
        .put("schedule.step", step)
        .put("schedule.lr", lr(step));
    OptionalDouble momentum = momentum(step);
    if (momentum.isPresent()) {
      b.put("schedule.momentum", momentum.getAsDouble());
    }
    return b.build();
  }
}
