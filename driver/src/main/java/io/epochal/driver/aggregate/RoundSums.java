package io.epochal.driver.aggregate;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.worker.round.GradNorms;
import io.epochal.worker.round.RoundResult;
import java.util.Objects;

/**
 * The floating-point sums one round adds to its epoch's metrics: the samples' losses, their
 * absolute errors (a regression's; NaN when not measured) and what gradient clipping saw. An epoch
 * adds them round by round, in round order, whether its rounds ran one Spark job each or several in
 * one task: floating-point addition is not associative, so adding a chain's total at once would give
 * other bits than adding its rounds one at a time, and the epoch's {@code train_loss} (which
 * schedule {@code plateau} and early stopping watch) would depend on where timing cut the chains.
 * The counts (samples, correct rows) are integers and need no such care. Immutable.
 */
public final class RoundSums {

  private final double lossSum;
  private final double absErrorSum;
  private final GradNorms gradNorms;

  /** The sums of a round: its losses, its absolute errors (NaN: not measured) and its clipping norms. */
  public RoundSums(double lossSum, double absErrorSum, GradNorms gradNorms) {
    this.lossSum = lossSum;
    this.absErrorSum = absErrorSum;
    this.gradNorms = checkNotNull(gradNorms, "gradNorms");
  }

  /** The sums of one worker's round, {@code result}. */
  public static RoundSums of(RoundResult result) {
    return new RoundSums(result.lossSum(), result.absErrorSum(), result.gradNorms());
  }

  /** The sum over the samples of the per-sample loss. */
  public double lossSum() {
    return lossSum;
  }

  /** The samples' absolute errors summed; NaN when not measured (classification). */
  public double absErrorSum() {
    return absErrorSum;
  }

  /** What gradient clipping saw in the round's steps; {@link GradNorms#NONE} without clipping. */
  public GradNorms gradNorms() {
    return gradNorms;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RoundSums)) {
      return false;
    }
    RoundSums r = (RoundSums) o;
    return Double.compare(lossSum, r.lossSum) == 0 && Double.compare(absErrorSum, r.absErrorSum) == 0
        && gradNorms.equals(r.gradNorms);
  }

  @Override
  public int hashCode() {
    return Objects.hash(lossSum, absErrorSum, gradNorms);
  }

  @Override
  public String toString() {
    return "RoundSums[lossSum " + lossSum + (Double.isNaN(absErrorSum) ? "" : ", absErrorSum " + absErrorSum)
        + (gradNorms.steps() > 0 ? ", " + gradNorms : "") + "]";
  }
}
