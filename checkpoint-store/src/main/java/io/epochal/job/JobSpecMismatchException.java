package io.epochal.job;

import java.util.List;
import org.apache.hadoop.fs.Path;

/**
 * A job spec differs from the one already stored in {@code job.json}. The message names the file
 * and lists every differing key on its own line as {@code key: old -> new}.
 */
public class JobSpecMismatchException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  private final Path file;
  private final List<String> differences;

  /** A mismatch against {@code file}, with the diff lines from old to new. */
  public JobSpecMismatchException(Path file, List<String> differences) {
    super(file + " already holds a different job spec; a job's spec is written once and never "
        + "changes (start a new job directory to change it). Differences (stored -> requested):\n"
        + String.join("\n", differences));
    this.file = file;
    this.differences = List.copyOf(differences);
  }

  /** The {@code job.json} that holds the stored spec. */
  public Path getFile() {
    return file;
  }

  /** The differing keys, one {@code key: old -> new} line each. */
  public List<String> getDifferences() {
    return differences;
  }
}
