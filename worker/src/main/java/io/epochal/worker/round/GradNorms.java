package io.epochal.worker.round;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Locale;
import java.util.Objects;

/**
 * What gradient clipping saw over some local steps: how many steps it clipped, the sum and the
 * largest of the total gradient norms before clipping (what {@code clip_grad_norm_} returns), and
 * how many of those steps it scaled down. Summed over a round's steps, the rounds of a chain and the
 * workers of a round, then over an epoch, for the epoch's {@code grad_norm} metrics.
 *
 * <p>Immutable. {@link #NONE} (no step measured) for a job without {@code train.clip_grad_norm}.
 * A norm that is not finite makes the sum and the largest not finite: the round fails its
 * non-finite check before they are recorded.
 */
public final class GradNorms implements java.io.Serializable {

  private static final long serialVersionUID = 1L;

  /** No step measured. */
  public static final GradNorms NONE = new GradNorms(0, 0, 0, 0);

  private final long steps;
  private final double sum;
  private final double max;
  private final long clipped;

  /**
   * Norms of {@code steps} steps summing to {@code sum}, the largest {@code max}, {@code clipped} of
   * the steps scaled down.
   */
  public GradNorms(long steps, double sum, double max, long clipped) {
    checkArgument(steps >= 0 && clipped >= 0 && clipped <= steps,
        "steps %s and clipped steps %s must be >= 0, clipped <= steps", steps, clipped);
    checkArgument(steps > 0 || (sum == 0 && max == 0), "no steps, but norms summing to %s (largest %s)", sum, max);
    this.steps = steps;
    this.sum = sum;
    this.max = max;
    this.clipped = clipped;
  }

  /** These with one more step, of total norm {@code norm}, scaled down by clipping or not. */
  public GradNorms plus(double norm, boolean scaled) {
    return new GradNorms(steps + 1, sum + norm, steps == 0 ? norm : Math.max(max, norm), clipped + (scaled ? 1 : 0));
  }

  /** These and {@code other} together. */
  public GradNorms plus(GradNorms other) {
    if (other.steps == 0) {
      return this;
    }
    if (steps == 0) {
      return other;
    }
    return new GradNorms(steps + other.steps, sum + other.sum, Math.max(max, other.max), clipped + other.clipped);
  }

  /** Steps measured; 0 without clipping. */
  public long steps() {
    return steps;
  }

  /** Sum of the steps' total norms before clipping. */
  public double sum() {
    return sum;
  }

  /** The largest total norm before clipping; 0 without steps. */
  public double max() {
    return max;
  }

  /** Steps whose gradients clipping scaled down (their norm above the limit). */
  public long clipped() {
    return clipped;
  }

  /** The mean total norm before clipping; NaN without steps. */
  public double mean() {
    return steps == 0 ? Double.NaN : sum / steps;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof GradNorms)) {
      return false;
    }
    GradNorms g = (GradNorms) o;
    return steps == g.steps && Double.compare(sum, g.sum) == 0 && Double.compare(max, g.max) == 0
        && clipped == g.clipped;
  }

  @Override
  public int hashCode() {
    return Objects.hash(steps, sum, max, clipped);
  }

  @Override
  public String toString() {
    return steps == 0 ? "GradNorms[none]" : String.format(Locale.ROOT, "GradNorms[%d steps, mean %.6g, max %.6g, "
        + "clipped %d]", steps, mean(), max, clipped);
  }
}
