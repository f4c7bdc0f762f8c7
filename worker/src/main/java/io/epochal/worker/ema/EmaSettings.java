package io.epochal.worker.ema;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;

/**
 * How a job keeps the moving average of its model: the decay ({@code train.ema_decay}; 0 = none kept), how often
 * it is updated ({@code train.ema_every_n_steps}: after every {@code n}-th optimizer step of the job, as
 * {@code if (step + 1) % n == 0: ema.update_parameters(model)} in a torch loop and PyTorch Lightning's
 * {@code update_every_n_steps}) and whether the decay warms up ({@code train.ema_warmup}: the {@code k}-th update
 * blends with {@code min(decay, 1 - (1 + (k - 1) / gamma) ^ -power)}, timm's {@code ModelEmaV3(use_warmup=True)}
 * and diffusers' {@code EMAModel(use_ema_warmup=True)} given the update count, so the early average is not held
 * back by the first weights). Immutable and {@link Serializable} (it travels inside task closures).
 *
 * @param decay in [0, 1); 0 = no average
 * @param everyNSteps at least 1
 * @param warmupPower the warm-up's power, above 0; 0 = no warm-up
 * @param warmupGamma the warm-up's gamma (its step scale), above 0
 */
public record EmaSettings(double decay, int everyNSteps, double warmupPower, double warmupGamma)
    implements Serializable {

  /** No moving average. */
  public static final EmaSettings NONE = new EmaSettings(0, 1);

  /** Checks the decay, the update interval and the warm-up, naming the value. */
  public EmaSettings {
    checkArgument(decay >= 0 && decay < 1, "EMA decay must be >= 0 and < 1 (0 = no EMA), got %s", decay);
    checkArgument(everyNSteps >= 1, "EMA update interval must be >= 1 optimizer step, got %s", everyNSteps);
    checkArgument(warmupPower >= 0 && Double.isFinite(warmupPower), "EMA warm-up power must be >= 0 (0 = no "
        + "warm-up), got %s", warmupPower);
    checkArgument(warmupGamma > 0 && Double.isFinite(warmupGamma), "EMA warm-up gamma must be > 0, got %s",
        warmupGamma);
  }

  /** A decay updated every {@code everyNSteps} steps, without warm-up. */
  public EmaSettings(double decay, int everyNSteps) {
    this(decay, everyNSteps, 0, 1);
  }

  /** Whether a moving average is kept. */
  public boolean kept() {
    return decay > 0;
  }

  /** Whether the decay warms up. */
  public boolean warmsUp() {
    return warmupPower > 0;
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

  /**
   * The decay of the update after step {@code step} (one {@link #updatesAfter} says is an update): {@link #decay()},
   * or with warm-up {@code min(decay, 1 - (1 + (k - 1) / gamma) ^ -power)} for its update count {@code k}, which
   * is 0 for the first (a copy) and rises towards 1.
   */
  public double decayAfter(long step) {
    if (!warmsUp()) {
      return decay;
    }
    long updatesBefore = (step + 1) / everyNSteps - 1;
    return Math.min(decay, 1 - Math.pow(1 + updatesBefore / warmupGamma, -warmupPower));
  }

  @Override
  public String toString() {
    return kept() ? "ema " + decay + (everyNSteps == 1 ? "" : " every " + everyNSteps + " steps")
        + (warmsUp() ? " warming up (power " + warmupPower + ", gamma " + warmupGamma + ")" : "") : "no ema";
  }
}
