package io.epochal.worker.schedule;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;
import java.util.OptionalDouble;

/**
 * Schedule {@code onecycle}: torch's {@code OneCycleLR(optimizer, max_lr, total_steps, pct_start,
 * anneal_strategy, cycle_momentum=False, div_factor, final_div_factor, three_phase)}, its base rate
 * ({@code optimizer.lr}) being {@code max_lr}. The rate starts at {@code initial = max_lr /
 * div_factor}, rises to {@code max_lr} by step {@code pct_start * total_steps - 1}, and falls to
 * {@code initial / final_div_factor} at step {@code total_steps - 1}; with {@code three_phase} it
 * falls back to {@code initial} by step {@code 2 * pct_start * total_steps - 2} first. Each phase
 * anneals by cosine ({@code end + (start - end) / 2 * (cos(pi * pct) + 1)}) or linearly ({@code (end
 * - start) * pct + start}), {@code pct} being the share of the phase done, in doubles as torch
 * computes them. From step {@code total_steps} on this schedule holds the cycle's last rate:
 * torch computes one more there, its last phase annealed past its end (below 0 for a linear fall,
 * which no optimizer takes), and raises at the step after.
 *
 * <p>With {@code cycle_momentum} (torch's default; Epochal's is off, so that a job keeps the momentum it
 * configures unless it asks) the schedule also sets every step's momentum (optimizers {@code sgd} and {@code rmsprop})
 * or first beta ({@code adam}, {@code adamw}) in place of the optimizer's, annealed as the rate is but the other way:
 * from {@code max_momentum} down to {@code base_momentum} while the rate rises, and back up while it falls (with
 * {@code three_phase}, up while it falls back to {@code initial}, then held at {@code max_momentum}).
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
  /** Each phase's start and end momentum; null without cycle_momentum. */
  private final double[] startMomenta;
  private final double[] endMomenta;

  OneCycle(double maxLr, long totalSteps, double pctStart, String annealStrategy, double divFactor,
      double finalDivFactor, boolean threePhase) {
    this(maxLr, totalSteps, pctStart, annealStrategy, divFactor, finalDivFactor, threePhase, null);
  }

  /**
   * @param momenta {@code {base_momentum, max_momentum}} for cycle_momentum, each in [0, 1); null for none
   */
  OneCycle(double maxLr, long totalSteps, double pctStart, String annealStrategy, double divFactor,
      double finalDivFactor, boolean threePhase, double[] momenta) {
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
    if (momenta == null) {
      startMomenta = null;
      endMomenta = null;
    } else {
      checkArgument(momenta.length == 2, "momenta must be {base_momentum, max_momentum}, got %s values",
          momenta.length);
      double base = momenta[0];
      double max = momenta[1];
      checkArgument(base >= 0 && base < 1, "schedule 'onecycle' base_momentum = %s must be in [0, 1)", base);
      checkArgument(max >= 0 && max < 1, "schedule 'onecycle' max_momentum = %s must be in [0, 1)", max);
      startMomenta = threePhase ? new double[] {max, base, max} : new double[] {max, base};
      endMomenta = threePhase ? new double[] {base, max, max} : new double[] {base, max};
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
    return annealed(step, startRates, endRates);
  }

  @Override
  public OptionalDouble momentum(long step) {
    return startMomenta == null ? super.momentum(step) : OptionalDouble.of(annealed(step, startMomenta, endMomenta));
  }

  /** The value of {@code step}'s phase annealed from its start to its end value, as torch's {@code get_lr}. */
  private double annealed(long step, double[] starts, double[] ends) {
    Schedules.checkStep(step);
    long at = Math.min(step, totalSteps - 1);
    double start = 0;
    for (int i = 0; i < endSteps.length; i++) {
      if (at <= endSteps[i] || i == endSteps.length - 1) {
        double pct = (at - start) / (endSteps[i] - start);
        return anneal(starts[i], ends[i], pct);
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
        && c.threePhase == threePhase && java.util.Arrays.equals(c.startMomenta, startMomenta);
  }

  @Override
  public int hashCode() {
    return Objects.hash(baseLr, totalSteps, pctStart, divFactor, finalDivFactor, cos, threePhase,
        java.util.Arrays.hashCode(startMomenta));
  }

  @Override
  public String toString() {
    return "onecycle(lr=" + baseLr + ", total_steps=" + totalSteps + ", pct_start=" + pctStart + ", anneal_strategy="
        + (cos ? "cos" : "linear") + ", div_factor=" + divFactor + ", final_div_factor=" + finalDivFactor
        + ", three_phase=" + threePhase + (startMomenta == null ? "" : ", cycle_momentum=true, base_momentum="
        + startMomenta[1] + ", max_momentum=" + startMomenta[0]) + ")";
  }
}
