package io.epochal.worker.probe;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * How closely a reloaded model's probe output must match the recorded one: bit for bit (the
 * default, for the same engine and hardware) or within an absolute difference plus a difference
 * relative to the recorded value, per element (when engine version or hardware differ: their
 * rounding differs in the last bits, and a last bit of a large output is a large number, 1.2e-4 at
 * 1024). Immutable.
 */
public final class Tolerance {

  private static final Tolerance EXACT = new Tolerance(-1, 0);

  private final double maxAbs; // < 0 means bit-exact
  private final double relative;

  private Tolerance(double maxAbs, double relative) {
    this.maxAbs = maxAbs;
    this.relative = relative;
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
    return close(maxAbs, 0);
  }

  /**
   * Every element {@code actual} within {@code maxAbs + relative * |expected|} of the recorded
   * {@code expected} (NaN never matches), as numpy's {@code allclose(atol=maxAbs, rtol=relative)}.
   *
   * @throws IllegalArgumentException unless both are finite and {@code >= 0}
   */
  public static Tolerance close(double maxAbs, double relative) {
    checkArgument(maxAbs >= 0 && Double.isFinite(maxAbs), "tolerance must be finite and >= 0, got %s", maxAbs);
    checkArgument(relative >= 0 && Double.isFinite(relative), "relative tolerance must be finite and >= 0, got %s",
        relative);
    return new Tolerance(maxAbs, relative);
  }

  /** Whether bit-exact equality is required. */
  public boolean isExact() {
    return maxAbs < 0;
  }

  /** The allowed absolute difference, before the relative part; 0 for exact. */
  public double maxAbsDifference() {
    return Math.max(0, maxAbs);
  }

  /** The allowed difference per unit of the recorded value's magnitude; 0 for exact. */
  public double relativeDifference() {
    return relative;
  }

  /** Whether {@code actual} is acceptable for the recorded {@code expected}. */
  public boolean accepts(float expected, float actual) {
    if (isExact()) {
      return Float.floatToRawIntBits(expected) == Float.floatToRawIntBits(actual);
    }
    if (expected == actual) {
      return true; // equal infinities too, as numpy's allclose takes them (their difference is NaN)
    }
    if (Float.isInfinite(expected) || Float.isInfinite(actual)) {
      return false; // a relative bound of an infinity would take any finite value
    }
    return Math.abs((double) expected - actual) <= maxAbs + relative * Math.abs((double) expected);
  }

  /** How it reads after "reproduced": {@code bit for bit}, or {@code within 1.0E-4 + 1.0E-4 x |recorded|}. */
  public String describe() {
    if (isExact()) {
      return "bit for bit";
    }
    return "within " + maxAbs + (relative == 0 ? "" : " + " + relative + " x |recorded|");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tolerance && Double.compare(maxAbs, ((Tolerance) o).maxAbs) == 0
        && Double.compare(relative, ((Tolerance) o).relative) == 0;
  }

  @Override
  public int hashCode() {
    return 31 * Double.hashCode(maxAbs) + Double.hashCode(relative);
  }

  @Override
  public String toString() {
    return isExact() ? "bit-exact" : relative == 0 ? "max abs difference " + maxAbs
        : "max difference " + maxAbs + " + " + relative + " x |recorded|";
  }
}
