package io.epochal.safetensors;

import java.io.IOException;

/**
 * A safetensors file that does not follow the format: its message names the file and, where one is
 * involved, the tensor.
 */
public class SafetensorsFormatException extends IOException {

  private static final long serialVersionUID = 1L;

  private final String file;

  /** A format error in {@code file} described by {@code message}. */
  public SafetensorsFormatException(String file, String message) {
    super(file + ": " + message);
    this.file = file;
  }

  /** A format error in {@code file} described by {@code message}, caused by {@code cause}. */
  public SafetensorsFormatException(String file, String message, Throwable cause) {
    super(file + ": " + message, cause);
    this.file = file;
  }

  /** The file (path or name) that is malformed. */
  public String file() {
    return file;
  }
}
