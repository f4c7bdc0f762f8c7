package io.epochal.checkpoint;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.List;
import java.util.Objects;

/**
 * The result of verifying one checkpoint: its epoch and path, and every problem found (manifest,
 * missing files, sizes, digests). Empty problems means the checkpoint is intact.
 */
public final class VerificationReport {

  private final long epoch;
  private final String path;
  private final List<String> problems;

  /** A report for the checkpoint of {@code epoch} at {@code path}. */
  public VerificationReport(long epoch, String path, List<String> problems) {
    this.epoch = epoch;
    this.path = checkNotNull(path, "path");
    this.problems = List.copyOf(checkNotNull(problems, "problems"));
  }

  /** The epoch. */
  public long epoch() {
    return epoch;
  }

  /** The checkpoint directory. */
  public String path() {
    return path;
  }

  /** Whether no problem was found. */
  public boolean ok() {
    return problems.isEmpty();
  }

  /** Every problem found, one sentence each naming the file. */
  public List<String> problems() {
    return problems;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof VerificationReport)) {
      return false;
    }
    VerificationReport r = (VerificationReport) o;
    return epoch == r.epoch && path.equals(r.path) && problems.equals(r.problems);
  }

  @Override
  public int hashCode() {
    return Objects.hash(epoch, path, problems);
  }

  @Override
  public String toString() {
    return "epoch " + epoch + " (" + Locations.text(path) + "): " + (ok() ? "ok" : String.join("; ", problems));
  }
}
