package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.config.JobSpec;
import io.epochal.params.HyperParameters;
import java.util.Optional;

/**
 * Whether a job's learning-rate schedule fits its steps, as a user rarely means otherwise although
 * conf/REFERENCE.md documents each: a cosine or linear decay that reaches its floor ({@code min_lr})
 * before the job's last step, a one-cycle schedule whose cycle is not the job's steps (it ends before
 * them, or the job ends before its fall; PyTorch's OneCycleLR raises past its end), a warm-up the job never finishes, a step schedule that has decayed the
 * rate below a ten-thousandth of {@code optimizer.lr} (PyTorch's StepLR counts epochs; its
 * {@code step_size} here counts optimizer steps), multistep milestones the job never reaches (the
 * same mistake with MultiStepLR's milestones).
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
    return forSteps(spec, (long) spec.epochs() * TrainingConfigs.of(spec).batchPlan().stepsPerEpoch(maxRows), resumed);
  }

  /**
   * The warning for job {@code spec} of {@code jobSteps} optimizer steps in all, or empty; {@code
   * resumed} for a job that trained before, whose schedule is part of what it trains and stays.
   */
  static Optional<String> forSteps(JobSpec spec, long jobSteps, boolean resumed) {
    java.util.List<String> said = new java.util.ArrayList<>();
    // a schedule stepped once per epoch (schedule.interval=epoch) counts the job's epochs
    Clock clock = new Clock(io.epochal.worker.schedule.LrSchedules.countsEpochs(spec.scheduleParams()),
        perEpoch(spec, jobSteps));
    long units = clock.epochs() ? spec.epochs() : jobSteps;
    decay(spec, units, resumed, clock).ifPresent(said::add);
    longWarmup(spec, units, clock).ifPresent(said::add);
    stepDecay(spec, units, clock).ifPresent(said::add);
    lateMilestones(spec, units, clock).ifPresent(said::add);
    lateAverage(spec, jobSteps, clock.stepsPerEpoch(), resumed).ifPresent(said::add);
    return said.isEmpty() ? Optional.empty() : Optional.of(String.join("; and ", said));
  }

  /**
   * What the schedule's steps count: the job's epochs ({@code schedule.interval=epoch}) or its optimizer steps, and
   * the optimizer steps of an epoch, for messages.
   */
  private record Clock(boolean epochs, long stepsPerEpoch) {
    String one() {
      return epochs ? "epoch" : "step";
    }

    String many() {
      return epochs ? "epochs" : "steps";
    }

    String manyInFull() {
      return epochs ? "epochs" : "optimizer steps";
    }

    /** The hint that the count is of optimizer steps, not epochs, with {@code what} as a PyTorch script counts it. */
    String notEpochs(String what) {
      return epochs ? "" : "; " + what;
    }
  }

  /**
   * The warning for a moving average first updated ({@code train.ema_every_n_steps}) after the job's last step or
   * after its first epoch: until then it is the starting weights, which the epochs' held-out metrics, early stopping
   * and {@code evaluate}, {@code predict} and {@code export} use as the model.
   */
  static Optional<String> lateAverage(JobSpec spec, long jobSteps, long stepsPerEpoch, boolean resumed) {
    io.epochal.worker.ema.EmaSettings ema = io.epochal.driver.config.EmaKeys.settings(spec.toHyperParameters());
    long first = ema.everyNSteps();
    if (!ema.kept() || first <= stepsPerEpoch) {
      return Optional.empty();
    }
    String key = io.epochal.driver.config.EmaKeys.EMA_EVERY_N_STEPS + " = " + first;
    String use = " val_ metrics (and early stopping or a plateau schedule on them), evaluate, predict and export use "
        + "as the model (--weights trained gives the trained weights)";
    if (first > jobSteps) {
      return Optional.of(key + " is more than the job's " + jobSteps + " optimizer steps, so the moving average is "
          + "never updated: every checkpoint's ema.safetensors holds the starting weights, which the" + use + "; "
          + (resumed ? "a resume keeps it: train a new job (in another job.dir) with " : "give ")
          + io.epochal.driver.config.EmaKeys.EMA_EVERY_N_STEPS + " <= " + stepsPerEpoch + " (an epoch's steps here) "
          + "for an average of every epoch");
    }
    long epoch = (first + stepsPerEpoch - 1) / stepsPerEpoch;
    String its = epoch == 2 ? "its" : "their";
    return Optional.of(key + ": the moving average is first updated after optimizer step " + first + ", in epoch "
        + epoch + " (an epoch is " + stepsPerEpoch + " steps here): the checkpoint" + (epoch == 2 ? " of epoch 1 holds"
        : "s of epochs 1-" + (epoch - 1) + " hold") + " the starting weights as " + its + " moving average, which "
        + its + use);
  }

  /** Optimizer steps per epoch of a job of {@code jobSteps}, for messages. */
  private static long perEpoch(JobSpec spec, long jobSteps) {
    return Math.max(1, jobSteps / Math.max(1, spec.epochs()));
  }

  /** A warm-up the job never finishes: the rate never reaches optimizer.lr. */
  private static Optional<String> longWarmup(JobSpec spec, long jobSteps, Clock clock) {
    long warmup = spec.scheduleParams().getLong("warmup_steps");
    if (warmup < jobSteps) {
      return Optional.empty();
    }
    return Optional.of("schedule.warmup_steps = " + warmup + " is not shorter than the job's " + jobSteps + " "
        + clock.manyInFull() + ", so the rate never reaches optimizer.lr" + clock.notEpochs("warmup_steps counts "
        + "optimizer steps, not epochs (an epoch is " + clock.stepsPerEpoch() + " steps here)"));
  }

  /**
   * A step schedule that has decayed the rate below a ten-thousandth of optimizer.lr by the job's
   * last step: PyTorch's StepLR counts epochs, this step_size counts optimizer steps.
   */
  private static Optional<String> stepDecay(JobSpec spec, long jobSteps, Clock clock) {
    if (!"step".equals(spec.scheduleName())) {
      return Optional.empty();
    }
    HyperParameters hp = spec.scheduleParams();
    long size = hp.getLong("step_size");
    double gamma = hp.getDouble("gamma");
    long decays = size < 1 ? 0 : Math.max(0, jobSteps - 1 - hp.getLong("warmup_steps")) / size;
    double factor = Math.pow(gamma, decays);
    if (decays == 0 || !(factor < 1e-4)) {
      return Optional.empty();
    }
    long epoch = clock.stepsPerEpoch();
    return Optional.of(String.format(java.util.Locale.ROOT, "schedule.step_size = %d multiplies the rate by "
        + "schedule.gamma = %s every %d %s: %d times in the job's %d %s, down to %.3g × optimizer.lr at its last %s",
        size, gamma, size, clock.manyInFull(), decays, jobSteps, clock.many(), factor, clock.one())
        + clock.notEpochs(String.format(java.util.Locale.ROOT, "step_size counts optimizer steps, not epochs as "
        + "PyTorch's StepLR does (an epoch is %d steps here: step_size = %d decays once per epoch; or "
        + "schedule.interval=epoch)", epoch, epoch)));
  }

  /**
   * Multistep milestones the job's steps never reach (a milestone {@code m} lowers the rate from
   * global step {@code warmup_steps + m}): MultiStepLR's milestones are usually epochs, these count
   * optimizer steps.
   */
  private static Optional<String> lateMilestones(JobSpec spec, long jobSteps, Clock clock) {
    if (!"multistep".equals(spec.scheduleName())) {
      return Optional.empty();
    }
    HyperParameters hp = spec.scheduleParams();
    long warmup = hp.getLong("warmup_steps");
    java.util.List<Long> late = hp.getList("milestones", Long.class).stream().filter(m -> warmup + m >= jobSteps)
        .toList();
    if (late.isEmpty()) {
      return Optional.empty();
    }
    long epoch = clock.stepsPerEpoch();
    return Optional.of("schedule.milestones " + late.stream().map(String::valueOf).collect(
        java.util.stream.Collectors.joining(", ")) + (late.size() == 1 ? " comes" : " come") + " at or after the job's "
        + jobSteps + " " + clock.manyInFull() + (warmup > 0 ? " (counted after the " + warmup + " warm-up "
        + clock.many() + ")" : "") + ", so the rate is never lowered there" + clock.notEpochs("milestones count "
        + "optimizer steps, not epochs as PyTorch's MultiStepLR is usually stepped (an epoch is " + epoch + " steps "
        + "here: epoch k's end is milestone k * " + epoch + "; or schedule.interval=epoch)"));
  }

  /** A cosine or linear decay that reaches its floor before the job's last step. */
  private static Optional<String> decay(JobSpec spec, long jobSteps, boolean resumed, Clock clock) {
    if ("onecycle".equals(spec.scheduleName())) {
      return oneCycle(spec, jobSteps, resumed, clock);
    }
    if (!io.epochal.worker.schedule.LrSchedules.usedBy("total_steps").contains(spec.scheduleName())) {
      return Optional.empty();
    }
    HyperParameters hp = spec.scheduleParams();
    long warmup = hp.getLong("warmup_steps");
    long end = warmup + hp.getLong("total_steps");
    if (end >= jobSteps) {
      return Optional.empty();
    }
    return Optional.of("schedule.total_steps = " + hp.getLong("total_steps") + ": the " + spec.scheduleName()
        + " schedule reaches "
        + "schedule.min_lr = " + hp.getDouble("min_lr") + " at " + clock.one() + " " + end + " of the job's " + jobSteps
        + " and holds it for the remaining " + (jobSteps - end) + " " + clock.many() + "; for a decay over the whole "
        + "job " + (resumed ? "train a new job (in another job.dir) with " : "set ") + "schedule.total_steps="
        + (jobSteps - warmup)
        + (resumed ? " (a job's schedule is part of what it trains: a resume keeps it)" : ""));
  }

  /** A one-cycle schedule whose cycle ends before the job's last step, or that the job ends before its fall is done. */
  private static Optional<String> oneCycle(JobSpec spec, long jobSteps, boolean resumed, Clock clock) {
    long total = spec.scheduleParams().getLong("total_steps");
    if (total == jobSteps || jobSteps < 1) {
      return Optional.empty();
    }
    io.epochal.worker.schedule.LrSchedule cycle = io.epochal.worker.schedule.LrSchedules.create(
        spec.optimizerParams().getDouble("lr"), TrainingConfigs.of(spec).scheduleParams());
    String fix = (resumed ? "train a new job (in another job.dir) with " : "set ") + "schedule.total_steps=" + jobSteps
        + " for one cycle over the job's " + clock.many() + (resumed ? " (a job's schedule is part of what it trains: "
        + "a resume keeps it)" : "");
    if (total < jobSteps) {
      return Optional.of(String.format(java.util.Locale.ROOT, "schedule.total_steps = %d: the onecycle schedule ends "
          + "its cycle at %s %d of the job's %d and holds its last rate, %.3g, for the remaining %d %s (PyTorch's "
          + "OneCycleLR raises there); %s", total, clock.one(), total, jobSteps, cycle.lr(total - 1), jobSteps - total,
          clock.many(), fix));
    }
    return Optional.of(String.format(java.util.Locale.ROOT, "schedule.total_steps = %d is more than the job's %d "
        + "%s: the job ends at rate %.3g, before the cycle falls to %.3g at %s %d", total, jobSteps, clock.manyInFull(),
        cycle.lr(jobSteps - 1), cycle.lr(total - 1), clock.one(), total) + clock.notEpochs(
        "total_steps counts optimizer steps, not epochs (an epoch is " + clock.stepsPerEpoch() + " steps here)")
        + "; " + fix);
  }
}
