package io.epochal.driver.cli;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;

/** The options of {@code epochal resume --all}: dry run, parallelism, submit template. Immutable. */
public final class ResumeAllRequest {

  private final boolean dryRun;
  private final int parallel;
  private final String submitTemplate;

  /** A request; {@code submitTemplate} is null to resume through this launcher. */
  public ResumeAllRequest(boolean dryRun, int parallel, String submitTemplate) {
    checkArgument(parallel >= 1, "--parallel must be >= 1, got %s", parallel);
    this.dryRun = dryRun;
    this.parallel = parallel;
    this.submitTemplate = submitTemplate;
  }

  /** Print the plan only. */
  public boolean dryRun() {
    return dryRun;
  }

  /** Resumes at once, at most. */
  public int parallel() {
    return parallel;
  }

  /** The submit command template with {@code {job_dir}}, or null. */
  public String submitTemplate() {
    return submitTemplate;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ResumeAllRequest)) {
      return false;
    }
    ResumeAllRequest r = (ResumeAllRequest) o;
    return dryRun == r.dryRun && parallel == r.parallel && Objects.equals(submitTemplate, r.submitTemplate);
  }

  @Override
  public int hashCode() {
    return Objects.hash(dryRun, parallel, submitTemplate);
  }

  @Override
  public String toString() {
    return "ResumeAllRequest[dryRun=" + dryRun + ", parallel=" + parallel + ", submitTemplate=" + submitTemplate
        + "]";
  }
}
