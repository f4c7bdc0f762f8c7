package io.epochal.worker.schedule;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;

/**
 * Schedule {@code onecycle}: torch's {@code OneCycleLR(optimizer, max_lr, total_steps, pct_start,
 * anneal_strategy, cycle_momentum=False, div_factor, final_div_factor, three_phase)}, its base rate
 * ({@code optimizer.lr}) being {@code max_lr}. The rate starts at {@code initial = max_lr /
 * div_factor}, rises to {@code max_lr} by step {@code pct_start * total_steps - 1}, and falls to
 * {@code initial / final_div_factor} at step {@code total_steps - 1}; with {@code three_phase} it
 * falls back to {@code initial} by step {@code 2 * pct_start * total_steps - 2} first. Each phase
 * anneals by cosine ({@code end + (start - end) / 2 * (cos(pi * pct) + 1)}) or linearly ({@code (end
 * - start) * pct + start}), {@code pct} being the share of the phase done, in doubles as torch
 * computes them. Where torch raises after {@code total_steps} steps, this schedule holds its last
 * rate. The momentum cycling torch does by default is not done ({@code cycle_momentum=False}): the
 * optimizer's momentum or betas stay as configured.
 */
final class OneCycle extends Schedules.Base {

  private final long totalSteps;
  private final double pctStart;
  private final double divFactor;
  private final double finalDivFactor;
  private final boolean cos;
  private final boolean threePhase;
  /** Each phase's last step, start rate and end rate, as torch's {@code _schedule_phases}. */
  private final double[] endSteps;
  private final double[] startRates;
  private final double[] endRates;

  OneCycle(double maxLr, long totalSteps, double pctStart, String annealStrategy, double divFactor,
      double finalDivFactor, boolean threePhase) {
    super(maxLr);
    checkArgument(totalSteps >= 1, "schedule 'onecycle' needs total_steps >= 1, got %s; set total_steps", totalSteps);
    checkArgument(pctStart >= 0 && pctStart <= 1, "schedule 'onecycle' pct_start = %s must be in [0, 1]", pctStart);
    checkArgument(annealStrategy.equals("cos") || annealStrategy.equals("linear"),
        "schedule 'onecycle' anneal_strategy = '%s' must be cos or linear", annealStrategy);
    checkArgument(divFactor > 0 && Double.isFinite(divFactor), "schedule 'onecycle' div_factor = %s must be > 0",
        divFactor);
    checkArgument(finalDivFactor > 0 && Double.isFinite(finalDivFactor),
        "schedule 'onecycle' final_div_factor = %s must be > 0", finalDivFactor);
    this.totalSteps = totalSteps;
    this.pctStart = pctStart;
    this.divFactor = divFactor;
    this.finalDivFactor = finalDivFactor;
    this.cos = annealStrategy.equals("cos");
    this.threePhase = threePhase;
    double initial = maxLr / divFactor;
    double min = initial / finalDivFactor;
    double rise = pctStart * totalSteps - 1;
    if (threePhase) {
      endSteps = new double[] {rise, 2 * pctStart * totalSteps - 2, totalSteps - 1};
      startRates = new double[] {initial, maxLr, initial};
      endRates = new double[] {maxLr, initial, min};
    } else {
      endSteps = new double[] {rise, totalSteps - 1};
      startRates = new double[] {initial, maxLr};
      endRates = new double[] {maxLr, min};
    }
    // the first phase's step 0 divides by its length: none when pct_start * total_steps = 1 (torch raises
    // ZeroDivisionError there); no other phase of no length is ever reached
    checkArgument(rise != 0, "schedule 'onecycle' with total_steps = %s and pct_start = %s leaves its rise no "
        + "steps (pct_start x total_steps = 1; torch divides by zero there); change pct_start or total_steps",
        (Object) totalSteps, (Object) pctStart);
  }

  @Override
  public String name() {
    return "onecycle";
  }

  @Override
  public double lr(long step) {
    Schedules.checkStep(step);
    long at = Math.min(step, totalSteps - 1);
    double start = 0;
    for (int i = 0; i < endSteps.length; i++) {
      if (at <= endSteps[i] || i == endSteps.length - 1) {
        double pct = (at - start) / (endSteps[i] - start);
        return anneal(startRates[i], endRates[i], pct);
      }
      start = endSteps[i];
    }
    throw new AssertionError(step);
  }

  private double anneal(double start, double end, double pct) {
    return cos ? end + (start - end) / 2.0 * (Math.cos(Math.PI * pct) + 1) : (end - start) * pct + start;
  }

  /** The rate it ends at and holds: {@code lr / (div_factor * final_div_factor)}. */
  double finalLr() {
    return endRates[endRates.length - 1];
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof OneCycle c && c.baseLr == baseLr && c.totalSteps == totalSteps && c.pctStart == pctStart
        && c.divFactor == divFactor && c.finalDivFactor == finalDivFactor && c.cos == cos
        && c.threePhase == threePhase;
  }

  @Override
  public int hashCode() {
    return Objects.hash(baseLr, totalSteps, pctStart, divFactor, finalDivFactor, cos, threePhase);
  }

  @Override
  public String toString() {
    return "onecycle(lr=" + baseLr + ", total_steps=" + totalSteps + ", pct_start=" + pctStart + ", anneal_strategy="
        + (cos ? "cos" : "linear") + ", div_factor=" + divFactor + ", final_div_factor=" + finalDivFactor
        + ", three_phase=" + threePhase + ")";
  }
}
