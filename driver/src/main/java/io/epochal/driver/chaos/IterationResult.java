package io.epochal.driver.chaos;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.List;
import java.util.Locale;
import java.util.Objects;

/** What happened in one chaos iteration: the faults injected, the resumes, and how it ended. */
public final class IterationResult {

  private final int iteration;
  private final int driverKills;
  private final int executorKills;
  private final int resumes;
  private final List<String> differences;
  private final String jobDir;

  /**
   * A result; {@code differences} empty means the final state matched the reference bit for bit.
   */
  public IterationResult(int iteration, int driverKills, int executorKills, int resumes, List<String> differences,
      String jobDir) {
    checkArgument(iteration >= 1, "iteration must be >= 1, got %s", iteration);
    checkArgument(driverKills >= 0 && executorKills >= 0 && resumes >= 0,
        "counts must be >= 0, got driverKills=%s executorKills=%s resumes=%s", driverKills, executorKills, resumes);
    this.iteration = iteration;
    this.driverKills = driverKills;
    this.executorKills = executorKills;
    this.resumes = resumes;
    this.differences = List.copyOf(differences);
    this.jobDir = Objects.requireNonNull(jobDir, "jobDir");
  }

  /** 1-based iteration number. */
  public int iteration() {
    return iteration;
  }

  /** Drivers killed with SIGKILL. */
  public int driverKills() {
    return driverKills;
  }

  /** Executor JVMs killed with SIGKILL. */
  public int executorKills() {
    return executorKills;
  }

  /** Faults injected: driver and executor kills. */
  public int faults() {
    return driverKills + executorKills;
  }

  /** {@code epochal resume} runs it took to complete the job. */
  public int resumes() {
    return resumes;
  }

  /** Why the final state differs from the reference (or why the job did not complete); empty when it matched. */
  public List<String> differences() {
    return differences;
  }

  /** Whether the final state matched the reference bit for bit. */
  public boolean matched() {
    return differences.isEmpty();
  }

  /** The iteration's job directory. */
  public String jobDir() {
    return jobDir;
  }

  /** One line for the report. */
  public String line() {
    return String.format(Locale.ROOT, "iteration %d: %d driver kill(s), %d executor kill(s), %d resume(s): %s",
        iteration, driverKills, executorKills, resumes, matched() ? "final state matches the reference bit for bit"
            : "MISMATCH: " + String.join("; ", differences));
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof IterationResult)) {
      return false;
    }
    IterationResult r = (IterationResult) o;
    return iteration == r.iteration && driverKills == r.driverKills && executorKills == r.executorKills
        && resumes == r.resumes && differences.equals(r.differences) && jobDir.equals(r.jobDir);
  }

  @Override
  public int hashCode() {
    return Objects.hash(iteration, driverKills, executorKills, resumes, differences, jobDir);
  }

  @Override
  public String toString() {
    return line() + " (" + jobDir + ")";
  }
}
