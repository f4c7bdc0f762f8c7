package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.config.JobSpec;
import io.epochal.params.HyperParameters;
import io.epochal.worker.round.BatchPlan;
import java.util.Optional;

/**
 * Whether a job's learning-rate schedule covers its steps: a cosine schedule reaches its floor
 * after its warm-up and {@code total_steps}, and a job with more steps than that trains the rest at
 * {@code min_lr}, which conf/REFERENCE.md documents but a user rarely means.
 */
public final class ScheduleCoverage {

  private ScheduleCoverage() {}

  /**
   * The warning for job {@code spec} trained on {@code rows} usable rows, or empty when its schedule
   * covers every step. The rows go round-robin to the workers, so the largest shard, which sets the
   * steps of an epoch, holds {@code ceil(rows / workers)}.
   */
  public static Optional<String> forRows(JobSpec spec, long rows) {
    return forRows(spec, rows, false);
  }

  /** As {@link #forRows(JobSpec, long)}; {@code resumed} for a job that trained before. */
  public static Optional<String> forRows(JobSpec spec, long rows, boolean resumed) {
    checkNotNull(spec, "spec");
    int maxRows = Math.toIntExact((rows + spec.workers() - 1) / spec.workers());
    return forSteps(spec, (long) spec.epochs() * new BatchPlan(spec.batchSize(), spec.localSteps())
        .stepsPerEpoch(maxRows), resumed);
  }

  /**
   * The warning for job {@code spec} of {@code jobSteps} optimizer steps in all, or empty; {@code
   * resumed} for a job that trained before, whose schedule is part of what it trains and stays.
   */
  static Optional<String> forSteps(JobSpec spec, long jobSteps, boolean resumed) {
    if (!"cosine".equals(spec.scheduleName())) {
      return Optional.empty();
    }
    HyperParameters hp = spec.scheduleParams();
    long warmup = hp.getLong("warmup_steps");
    long end = warmup + hp.getLong("total_steps");
    if (end >= jobSteps) {
      return Optional.empty();
    }
    return Optional.of("schedule.total_steps = " + hp.getLong("total_steps") + ": the cosine schedule reaches "
        + "schedule.min_lr = " + hp.getDouble("min_lr") + " at step " + end + " of the job's " + jobSteps + " and "
        + "holds it for the remaining " + (jobSteps - end) + " steps; for a decay over the whole job "
        + (resumed ? "train a new job (in another job.dir) with " : "set ") + "schedule.total_steps=" + (jobSteps - warmup)
        + (resumed ? " (a job's schedule is part of what it trains: a resume keeps it)" : ""));
  }
}
