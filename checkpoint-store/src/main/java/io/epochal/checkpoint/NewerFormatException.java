package io.epochal.checkpoint;

/**
 * A manifest written in a newer major format than this build reads: the checkpoint is not
 * damaged, a newer Epochal wrote it. Whoever finds it must leave it as it is (not move it aside,
 * not train its epoch again) and say which Epochal reads it.
 */
public class NewerFormatException extends ManifestFormatException {

  private static final long serialVersionUID = 1L;

  /** The manifest at {@code path} (epoch if known, else {@link #UNKNOWN_EPOCH}) is of a newer format. */
  public NewerFormatException(long epoch, String path, String message) {
    super(epoch, path, message);
  }
}
