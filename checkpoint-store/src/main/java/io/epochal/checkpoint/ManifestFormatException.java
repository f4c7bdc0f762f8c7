package io.epochal.checkpoint;

/**
 * A {@code manifest.json} that does not parse, lacks a field, or has a format version this code
 * cannot read. The message names the file.
 */
public class ManifestFormatException extends CheckpointCorruptedException {

  private static final long serialVersionUID = 1L;

  /** A bad manifest at {@code path} (epoch if known, else {@link #UNKNOWN_EPOCH}). */
  public ManifestFormatException(long epoch, String path, String message) {
    super(epoch, path, message);
  }

  /** A bad manifest at {@code path}, detected through {@code cause}. */
  public ManifestFormatException(long epoch, String path, String message, Throwable cause) {
    super(epoch, path, message, cause);
  }
}
