package io.epochal.driver.data;

/**
 * An input file that cannot be read as its format says (a truncated compressed file, a damaged
 * parquet footer): bad input, as a bad row is, which a command reports with the file and exit code
 * 4, not as a configuration error or an I/O failure that running again could cure.
 */
public class UnreadableInputException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String file;

  /** File {@code file} of input {@code input} cannot be read; {@code advice} says what to do. */
  public UnreadableInputException(String input, String file, String advice, Throwable cause) {
    super("input " + input + ": cannot read file " + file + ": " + advice, cause);
    this.file = file;
  }

  /** The file that cannot be read. */
  public String file() {
    return file;
  }
}
