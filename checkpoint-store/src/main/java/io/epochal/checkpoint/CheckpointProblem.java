package io.epochal.checkpoint;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Objects;

/**
 * A stored checkpoint that was skipped or failed verification: its epoch (in the mid-epoch series, its
 * global step: {@link CheckpointSeries}), path and why, and whether it is not damaged but of a
 * {@linkplain NewerFormatException newer format}.
 */
public final class CheckpointProblem {

  private final long epoch;
  private final String path;
  private final String reason;
  private final boolean newerFormat;

  /** A problem with the checkpoint of {@code epoch} at {@code path}: it is damaged. */
  public CheckpointProblem(long epoch, String path, String reason) {
    this(epoch, path, reason, false);
  }

  /**
   * A problem with the checkpoint of {@code epoch} at {@code path}; {@code newerFormat}: its
   * manifest is of a newer format than this build reads, so it is not damaged.
   */
  public CheckpointProblem(long epoch, String path, String reason, boolean newerFormat) {
    this.epoch = epoch;
    this.path = checkNotNull(path, "path");
    this.reason = checkNotNull(reason, "reason");
    this.newerFormat = newerFormat;
  }

  /**
   * The problem {@code e} shows with the checkpoint of {@code epoch} in directory {@code dir}: its
   * reason names the file within the directory once (as {@code model.safetensors}), not the epoch
   * and the directory again, which {@link #toString()} adds.
   */
  static CheckpointProblem of(long epoch, String dir, CheckpointException e) {
    return new CheckpointProblem(epoch, dir, reasonIn(dir, e), e instanceof NewerFormatException);
  }

  /**
   * What {@code e} says is wrong with a file of the checkpoint directory {@code dir}, naming the file
   * once and relative to the directory ({@code model.safetensors has 53798 bytes ...}): the epoch and
   * the directory are said by whoever reports it.
   */
  static String reasonIn(String dir, CheckpointException e) {
    String detail = String.valueOf(e.detail());
    String where = e.path();
    if (where != null && where.startsWith(dir + "/")) {
      String name = where.substring(dir.length() + 1);
      return detail.startsWith(name) ? detail : name + ": " + detail;
    }
    return where == null || where.equals(dir) ? detail : Locations.text(where) + ": " + detail;
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

  /** Whether the checkpoint is of a newer format than this build reads (then it is not damaged). */
  public boolean newerFormat() {
    return newerFormat;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof CheckpointProblem)) {
      return false;
    }
    CheckpointProblem p = (CheckpointProblem) o;
    return epoch == p.epoch && path.equals(p.path) && reason.equals(p.reason) && newerFormat == p.newerFormat;
  }

  @Override
  public int hashCode() {
    return Objects.hash(epoch, path, reason, newerFormat);
  }

  @Override
  public String toString() {
    return CheckpointSeries.of(path).describe(epoch) + " (" + Locations.text(path) + "): " + reason;
  }
}
