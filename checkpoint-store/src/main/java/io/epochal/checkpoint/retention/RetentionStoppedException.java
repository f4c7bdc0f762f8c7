package io.epochal.checkpoint.retention;

import java.io.IOException;

/**
 * Thrown by a {@link CheckpointDeleter} that must not delete any more (the job's lease is another
 * driver's now): the {@link CheckpointCleaner} stops, and this and every deletion after it are
 * recorded as failures with this exception, the checkpoints kept.
 */
public final class RetentionStoppedException extends IOException {

  private static final long serialVersionUID = 1L;

  /** Retention stops for the reason {@code message} gives. */
  public RetentionStoppedException(String message) {
    super(message);
  }
}
