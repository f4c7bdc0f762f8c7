package io.epochal.worker.probe;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * How closely a reloaded model's probe output must match the recorded one: bit for bit (the
 * default, for the same engine and hardware) or within a maximum absolute difference per element
 * (when engine version or hardware differ). Immutable.
 */
public final class Tolerance {

  private static final Tolerance EXACT = new Tolerance(-1);

  private final double maxAbs; // < 0 means bit-exact

  private Tolerance(double maxAbs) {
    this.maxAbs = maxAbs;
  }

  /** Every output bit must be equal. */
  public static Tolerance exact() {
    return EXACT;
  }

  /**
   * Every element within {@code maxAbs} of the recorded one (NaN never matches).
   *
   * @throws IllegalArgumentException unless {@code maxAbs} is finite and {@code >= 0}
   */
  public static Tolerance maxAbs(double maxAbs) {
    checkArgument(maxAbs >= 0 && Double.isFinite(maxAbs), "tolerance must be finite and >= 0, got %s", maxAbs);
    return new Tolerance(maxAbs);
  }

  /** Whether bit-exact equality is required. */
  public boolean isExact() {
    return maxAbs < 0;
  }

  /** The allowed absolute difference; 0 for exact. */
  public double maxAbsDifference() {
    return Math.max(0, maxAbs);
  }

  /** Whether {@code actual} is acceptable for {@code expected}. */
  boolean accepts(float expected, float actual) {
    if (isExact()) {
      return Float.floatToRawIntBits(expected) == Float.floatToRawIntBits(actual);
    }
    return Math.abs((double) expected - actual) <= maxAbs;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tolerance && Double.compare(maxAbs, ((Tolerance) o).maxAbs) == 0;
  }

  @Override
  public int hashCode() {
    return Double.hashCode(maxAbs);
  }

  @Override
  public String toString() {
    return isExact() ? "bit-exact" : "max abs difference " + maxAbs;
  }
}
