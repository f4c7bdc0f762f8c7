package io.epochal.checkpoint.retention;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Objects;

/** A checkpoint deletion that failed: the epoch and the exception. Immutable. */
public final class DeletionFailure {

  private final long epoch;
  private final Exception error;

  /** A failure to delete {@code epoch}. */
  public DeletionFailure(long epoch, Exception error) {
    this.epoch = epoch;
    this.error = checkNotNull(error, "error");
  }

  /** The epoch that could not be deleted. */
  public long getEpoch() {
    return epoch;
  }

  /** Why. */
  public Exception getError() {
    return error;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeletionFailure && epoch == ((DeletionFailure) o).epoch
        && error.equals(((DeletionFailure) o).error);
  }

  @Override
  public int hashCode() {
    return Objects.hash(epoch, error);
  }

  @Override
  public String toString() {
    return "epoch " + epoch + ": " + error;
  }
}
