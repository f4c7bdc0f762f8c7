package io.epochal.job;

import java.io.IOException;
import org.apache.hadoop.fs.Path;

/** A job-level file exists but cannot be parsed; names the file and what is wrong. */
public class JobFileFormatException extends IOException {

  private static final long serialVersionUID = 1L;

  private final transient Path file;

  /** A format error in {@code file}. */
  public JobFileFormatException(Path file, String problem, Throwable cause) {
    super("corrupt job file " + file + ": " + problem, cause);
    this.file = file;
  }

  /** The file that could not be parsed. */
  public Path getFile() {
    return file;
  }
}
