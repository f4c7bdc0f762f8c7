package io.epochal.driver.cli;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;

/**
 * The options of {@code epochal resume --all}: dry run, parallelism, submit template, relocation.
 * Immutable.
 */
public final class ResumeAllRequest {

  private final boolean dryRun;
  private final int parallel;
  private final String submitTemplate;
  private final boolean relocate;

  /** A request that relocates nothing; {@code submitTemplate} is null to resume through this launcher. */
  public ResumeAllRequest(boolean dryRun, int parallel, String submitTemplate) {
    this(dryRun, parallel, submitTemplate, false);
  }

  /**
   * A request; with {@code relocate}, unfinished jobs whose directories were moved under the root
   * are resumed with {@code --relocate} (through this launcher only).
   *
   * @throws IllegalArgumentException if {@code parallel < 1}, or {@code relocate} comes with a
   *     submit template
   */
  public ResumeAllRequest(boolean dryRun, int parallel, String submitTemplate, boolean relocate) {
    checkArgument(parallel >= 1, "--parallel must be >= 1, got %s", parallel);
    checkArgument(!relocate || submitTemplate == null, "--relocate does not go with --submit-template '%s'",
        submitTemplate);
    this.dryRun = dryRun;
    this.parallel = parallel;
    this.submitTemplate = submitTemplate;
    this.relocate = relocate;
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

  /** Whether jobs moved under the root are resumed with {@code --relocate}. */
  public boolean relocate() {
    return relocate;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ResumeAllRequest)) {
      return false;
    }
    ResumeAllRequest r = (ResumeAllRequest) o;
    return dryRun == r.dryRun && parallel == r.parallel && Objects.equals(submitTemplate, r.submitTemplate)
        && relocate == r.relocate;
  }

  @Override
  public int hashCode() {
    return Objects.hash(dryRun, parallel, submitTemplate, relocate);
  }

  @Override
  public String toString() {
    return "ResumeAllRequest[dryRun=" + dryRun + ", parallel=" + parallel + ", submitTemplate=" + submitTemplate
        + ", relocate=" + relocate + "]";
  }
}
