package io.epochal.job;

import org.apache.hadoop.fs.Path;

/**
 * A job file written in a newer format than this build reads: not damaged, a newer Epochal wrote
 * it. Whoever finds it must leave it (and the job) as it is and say which Epochal reads it.
 */
public class NewerJobFileException extends JobFileFormatException {

  private static final long serialVersionUID = 1L;

  /** {@code file} is of format {@code found}; this build reads up to {@code supported}. */
  public NewerJobFileException(Path file, int found, int supported) {
    super(file, "job file " + file + " was written by a newer Epochal (format " + found + "; this build reads format "
        + supported + "): use that Epochal for this job; this build changes nothing in it");
  }
}
