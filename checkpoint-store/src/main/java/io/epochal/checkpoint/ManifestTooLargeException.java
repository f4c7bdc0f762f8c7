package io.epochal.checkpoint;

/**
 * A commit was refused because its manifest would be larger than a reader reads ({@value
 * ManifestReader#MAX_MANIFEST_BYTES} bytes): every load would skip the checkpoint as damaged. Writing
 * it again fails alike until the state is written in fewer files or the manifest's values shrink.
 */
public class ManifestTooLargeException extends CheckpointException {

  private static final long serialVersionUID = 1L;

  /** The manifest of {@code epoch}'s checkpoint, being written at {@code path}, is too large, for {@code why}. */
  public ManifestTooLargeException(long epoch, String path, String why) {
    super(epoch, path, why);
  }
}
