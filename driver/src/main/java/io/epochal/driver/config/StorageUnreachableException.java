package io.epochal.driver.config;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * A location a command checks before it starts (a job's {@code data.path}) on a file system that
 * does not answer: the storage, not the configuration, so the command exits as an I/O error, which
 * a supervising cluster manager restarts the driver on.
 */
public final class StorageUnreachableException extends UncheckedIOException {

  private static final long serialVersionUID = 1L;

  /** {@code message} names the key, the location and the failure {@code cause}. */
  public StorageUnreachableException(String message, IOException cause) {
    super(message, cause);
  }
}
