package io.epochal.worker.schedule;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;

/**
 * Cosine annealing with warm restarts (SGDR), torch's {@code CosineAnnealingWarmRestarts(optimizer,
 * T_0=restart_steps, T_mult=restart_mult, eta_min=min_lr)} stepped once per optimizer step: within
 * a cycle of {@code T_i} steps the rate falls from the base rate along a cosine towards {@code
 * min_lr}, {@code min + (base - min) * (1 + cos(pi * T_cur / T_i)) / 2}, and at the cycle's end it
 * restarts at the base rate with a cycle {@code T_mult} times as long ({@code T_0} the first).
 * {@code T_cur} and {@code T_i} are counted as torch counts them (whole steps, the cycle's length
 * multiplied at each restart), and the rate is computed by torch's expression, so the rates equal
 * torch's to the last bit.
 */
final class CosineRestarts extends Schedules.Base {

  private final long restartSteps;
  private final long restartMult;
  private final double minLr;

  CosineRestarts(double baseLr, long restartSteps, long restartMult, double minLr) {
    super(baseLr);
    checkArgument(restartSteps >= 1, "schedule 'cosine_restarts' needs restart_steps >= 1 (torch's T_0, in "
        + "optimizer steps), got %s; set restart_steps", restartSteps);
    checkArgument(restartMult >= 1, "schedule 'cosine_restarts' restart_mult = %s must be >= 1 (torch's T_mult)",
        restartMult);
    checkArgument(minLr >= 0 && Double.isFinite(minLr), "schedule 'cosine_restarts' min_lr = %s must be >= 0",
        minLr);
    this.restartSteps = restartSteps;
    this.restartMult = restartMult;
    this.minLr = minLr;
  }

  @Override
  public String name() {
    return "cosine_restarts";
  }

  @Override
  public double lr(long step) {
    Schedules.checkStep(step);
    long cycle = restartSteps;
    long inCycle = step;
    if (restartMult == 1) {
      inCycle = step % restartSteps;
    } else {
      while (inCycle >= cycle) {
        inCycle -= cycle;
        cycle = cycle > Long.MAX_VALUE / restartMult ? Long.MAX_VALUE : cycle * restartMult;
      }
    }
    return minLr + (baseLr - minLr) * (1 + Math.cos(Math.PI * inCycle / cycle)) / 2;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CosineRestarts c && c.baseLr == baseLr && c.restartSteps == restartSteps
        && c.restartMult == restartMult && c.minLr == minLr;
  }

  @Override
  public int hashCode() {
    return Objects.hash(baseLr, restartSteps, restartMult, minLr);
  }

  @Override
  public String toString() {
    return "cosine_restarts(lr=" + baseLr + ", restart_steps=" + restartSteps + ", restart_mult=" + restartMult
        + ", min_lr=" + minLr + ")";
  }
}
