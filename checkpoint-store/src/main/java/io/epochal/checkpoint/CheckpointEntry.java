package io.epochal.checkpoint;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Objects;
import java.util.Optional;

/**
 * One checkpoint directory as {@link CheckpointStore#list()} (or {@link
 * CheckpointStore#listMovedAside()}) sees it: epoch, path, and the manifest if it parses (else why
 * not). Files are not verified here.
 */
public final class CheckpointEntry {

  private final long epoch;
  private final String path;
  private final CheckpointManifest manifest;
  private final String manifestProblem;
  private final boolean newerFormat;

  /** An entry; exactly one of {@code manifest} and {@code manifestProblem} is non-null. */
  public CheckpointEntry(long epoch, String path, CheckpointManifest manifest, String manifestProblem) {
    this(epoch, path, manifest, manifestProblem, false);
  }

  /**
   * An entry; exactly one of {@code manifest} and {@code manifestProblem} is non-null; {@code
   * newerFormat}: the problem is a manifest of a newer format than this build reads (a newer
   * Epochal wrote it; it is not damaged).
   */
  public CheckpointEntry(long epoch, String path, CheckpointManifest manifest, String manifestProblem,
      boolean newerFormat) {
    checkArgument((manifest == null) != (manifestProblem == null),
        "entry of epoch %s needs either a manifest or a manifest problem", epoch);
    checkArgument(!newerFormat || manifestProblem != null, "entry of epoch %s: a newer format is a problem", epoch);
    this.epoch = epoch;
    this.path = checkNotNull(path, "path");
    this.manifest = manifest;
    this.manifestProblem = manifestProblem;
    this.newerFormat = newerFormat;
  }

  /** Whether its manifest is of a newer format than this build reads ({@link NewerFormatException}). */
  public boolean newerFormat() {
    return newerFormat;
  }

  /** The epoch from the directory name. */
  public long epoch() {
    return epoch;
  }

  /** The checkpoint directory. */
  public String path() {
    return path;
  }

  /** Whether this is a damaged checkpoint moved aside ({@code _damaged-epoch-NNNNNN-<millis>}). */
  public boolean isMovedAside() {
    return CheckpointLayout.parseMovedAside(new org.apache.hadoop.fs.Path(path).getName()).isPresent();
  }

  /** The manifest, if it parses. */
  public Optional<CheckpointManifest> manifest() {
    return Optional.ofNullable(manifest);
  }

  /** Why the manifest could not be read, if it could not. */
  public Optional<String> manifestProblem() {
    return Optional.ofNullable(manifestProblem);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof CheckpointEntry)) {
      return false;
    }
    CheckpointEntry e = (CheckpointEntry) o;
    return epoch == e.epoch && path.equals(e.path) && Objects.equals(manifest, e.manifest)
        && Objects.equals(manifestProblem, e.manifestProblem) && newerFormat == e.newerFormat;
  }

  @Override
  public int hashCode() {
    return Objects.hash(epoch, path, manifest, manifestProblem);
  }

  @Override
  public String toString() {
    return "CheckpointEntry{epoch=" + epoch + ", path=" + path
        + (manifestProblem == null ? "" : ", problem=" + manifestProblem) + "}";
  }
}
