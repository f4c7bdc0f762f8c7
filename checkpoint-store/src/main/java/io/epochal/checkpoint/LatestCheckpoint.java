package io.epochal.checkpoint;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The result of {@link CheckpointStore#latest()}: the newest valid checkpoint, if any, and every
 * newer checkpoint that was skipped with the reason.
 */
public final class LatestCheckpoint {

  private final LoadedCheckpoint checkpoint;
  private final List<CheckpointProblem> skipped;

  /** A result; {@code checkpoint} may be {@code null} when no valid checkpoint exists. */
  public LatestCheckpoint(LoadedCheckpoint checkpoint, List<CheckpointProblem> skipped) {
    this.checkpoint = checkpoint;
    this.skipped = List.copyOf(checkNotNull(skipped, "skipped"));
  }

  /** The newest valid checkpoint. */
  public Optional<LoadedCheckpoint> checkpoint() {
    return Optional.ofNullable(checkpoint);
  }

  /** Newer checkpoints that were damaged and skipped, newest first. */
  public List<CheckpointProblem> skipped() {
    return skipped;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof LatestCheckpoint)) {
      return false;
    }
    LatestCheckpoint l = (LatestCheckpoint) o;
    return Objects.equals(checkpoint, l.checkpoint) && skipped.equals(l.skipped);
  }

  @Override
  public int hashCode() {
    return Objects.hash(checkpoint, skipped);
  }

  @Override
  public String toString() {
    return "LatestCheckpoint{" + (checkpoint == null ? "none" : "epoch " + checkpoint.epoch())
        + ", skipped=" + skipped + "}";
  }
}
