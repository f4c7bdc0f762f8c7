package io.epochal.checkpoint;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Objects;

/** A stored checkpoint that was skipped or failed verification: its epoch, path and why. */
public final class CheckpointProblem {

  private final long epoch;
  private final String path;
  private final String reason;

  /** A problem with the checkpoint of {@code epoch} at {@code path}. */
  public CheckpointProblem(long epoch, String path, String reason) {
    this.epoch = epoch;
    this.path = checkNotNull(path, "path");
    this.reason = checkNotNull(reason, "reason");
  }

  /** The epoch. */
  public long epoch() {
    return epoch;
  }

  /** The checkpoint directory or file. */
  public String path() {
    return path;
  }

  /** What is wrong. */
  public String reason() {
    return reason;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof CheckpointProblem)) {
      return false;
    }
    CheckpointProblem p = (CheckpointProblem) o;
    return epoch == p.epoch && path.equals(p.path) && reason.equals(p.reason);
  }

  @Override
  public int hashCode() {
    return Objects.hash(epoch, path, reason);
  }

  @Override
  public String toString() {
    return "epoch " + epoch + " (" + path + "): " + reason;
  }
}
