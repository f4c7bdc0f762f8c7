package io.epochal.worker.probe;

/**
 * A reloaded model does not reproduce the output recorded when its checkpoint was saved: the
 * checkpoint is not a complete record of the model.
 */
public final class ProbeMismatchException extends Exception {

  private static final long serialVersionUID = 1L;

  private final double maxAbsDifference;
  private final long firstDifferingIndex;

  /** A mismatch with its message, largest difference and first differing flat index. */
  public ProbeMismatchException(String message, double maxAbsDifference, long firstDifferingIndex) {
    super(message);
    this.maxAbsDifference = maxAbsDifference;
    this.firstDifferingIndex = firstDifferingIndex;
  }

  /** The largest absolute difference over all elements (NaN if an element was NaN on one side). */
  public double maxAbsDifference() {
    return maxAbsDifference;
  }

  /** The flat (row-major) index of the first element outside the tolerance, or -1 for a shape mismatch. */
  public long firstDifferingIndex() {
    return firstDifferingIndex;
  }
}
