package io.epochal.safetensors;

/**
 * A safetensors header that may well be valid but lists more than the heap the reading JVM has free can index
 * ({@link HeaderBudget}): refused before it is parsed, never with an {@link OutOfMemoryError}. Not damage: the
 * same file reads in a JVM with a larger heap.
 */
public class SafetensorsHeapException extends SafetensorsFormatException {

  private static final long serialVersionUID = 1L;

  /** The refusal of {@code file}'s header, {@code message} saying what it lists and what is free. */
  public SafetensorsHeapException(String file, String message) {
    super(file, message);
  }
}
