package io.epochal.job;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import org.apache.hadoop.fs.Path;

/**
 * A job-level file exists but cannot be parsed; names the file, what is wrong (a JSON error as
 * its own message and position, without the parser's source dump) and what to do about it.
 */
public class JobFileFormatException extends IOException {

  private static final long serialVersionUID = 1L;

  private final transient Path file;

  /** A format error in {@code file}, found as {@code cause}; {@code what} prefixes the problem, if not empty. */
  public JobFileFormatException(Path file, String what, Exception cause) {
    super("corrupt job file " + file + ": " + what + describe(cause) + advice(file), cause);
    this.file = file;
  }

  /** A problem with {@code file} said in full by {@code message}. */
  protected JobFileFormatException(Path file, String message) {
    super(message);
    this.file = file;
  }

  /** The file that could not be parsed. */
  public Path getFile() {
    return file;
  }

  /**
   * The problem: a JSON error's own message and its line and column (without the parser's source
   * dump), or the exception's message.
   */
  public static String describe(Exception e) {
    if (e instanceof JsonProcessingException json) {
      JsonLocation at = json.getLocation();
      // a nested location ("start marker at [Source: REDACTED (...); line: 1, column: 1]") as a plain one
      String message = json.getOriginalMessage().replaceAll("\\[Source: [^\\]]*?; line: (\\d+), column: (\\d+)\\]",
          "line $1, column $2");
      return message + (at == null || at.getLineNr() < 0 ? ""
          : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")");
    }
    return String.valueOf(e.getMessage());
  }

  /** What to do about a damaged job file, by its name. */
  private static String advice(Path file) {
    switch (file.getName()) {
      case JobPaths.STATE:
        return "; delete the file to let a resume start again from the newest verified checkpoint (the next run "
            + "writes a new one)";
      case JobPaths.PROGRESS:
        return "; it only reports where a running driver is: delete it (the running driver writes a new one)";
      case JobPaths.JOB_SPEC:
        return "; job.json is the job's spec: restore it from a copy (every checkpoint's manifest.json lists the "
            + "job's hyperparameters)";
      default:
        return "";
    }
  }
}
