package io.epochal.checkpoint;

/**
 * A stored checkpoint is damaged: a file is missing or truncated, a digest or size does not match
 * the manifest, or a file does not parse.
 */
public class CheckpointCorruptedException extends CheckpointException {

  private static final long serialVersionUID = 1L;

  /** Damage to {@code path} of {@code epoch} described by {@code message}. */
  public CheckpointCorruptedException(long epoch, String path, String message) {
    super(epoch, path, message);
  }

  /** Damage to {@code path} of {@code epoch}, detected through {@code cause}. */
  public CheckpointCorruptedException(long epoch, String path, String message, Throwable cause) {
    super(epoch, path, message, cause);
  }
}
