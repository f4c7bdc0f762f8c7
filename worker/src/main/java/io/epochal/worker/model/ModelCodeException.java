package io.epochal.worker.model;

/**
 * A model's own code failed, not Epochal's: a factory that a jar on the class path lists but that
 * cannot be loaded (a misspelt class in {@code META-INF/services}, a constructor that throws), two
 * factories claiming one name and version, or a factory that throws while it builds its model. The
 * message names the model or the factory class and what to fix; a launcher reports it as a
 * configuration error (which jar is on the class path), not as an internal error.
 */
public class ModelCodeException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** A failure described by {@code message}, caused by {@code cause} (may be null). */
  public ModelCodeException(String message, Throwable cause) {
    super(message, cause);
  }
}
