package io.epochal.worker.ema;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;

/**
 * How a job keeps the moving average of its model: the decay ({@code train.ema_decay}; 0 = none kept) and how
 * often it is updated ({@code train.ema_every_n_steps}: after every {@code n}-th optimizer step of the job, as
 * {@code if (step + 1) % n == 0: ema.update_parameters(model)} in a torch loop and PyTorch Lightning's
 * {@code update_every_n_steps}). Immutable and {@link Serializable} (it travels inside task closures).
 *
 * @param decay in [0, 1); 0 = no average
 * @param everyNSteps at least 1
 */
public record EmaSettings(double decay, int everyNSteps) implements Serializable {

  /** No moving average. */
  public static final EmaSettings NONE = new EmaSettings(0, 1);

  /** Checks the decay and the update interval, naming the value. */
  public EmaSettings {
    checkArgument(decay >= 0 && decay < 1, "EMA decay must be >= 0 and < 1 (0 = no EMA), got %s", decay);
    checkArgument(everyNSteps >= 1, "EMA update interval must be >= 1 optimizer step, got %s", everyNSteps);
  }

  /** Whether a moving average is kept. */
  public boolean kept() {
    return decay > 0;
  }

  /**
   * Whether the average is updated after the optimizer step of 0-based index {@code step} in the job (its {@code
   * step + 1}-th): every {@link #everyNSteps()}-th step.
   */
  public boolean updatesAfter(long step) {
    return (step + 1) % everyNSteps == 0;
  }

  /** Whether the update after step {@code step} is the job's first, which copies the model. */
  public boolean firstUpdateAfter(long step) {
    return step + 1 == everyNSteps;
  }

  @Override
  public String toString() {
    return kept() ? "ema " + decay + (everyNSteps == 1 ? "" : " every " + everyNSteps + " steps") : "no ema";
  }
}
