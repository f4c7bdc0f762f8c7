package io.epochal.driver.app;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.driver.cli.CliOptions;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.config.LossKeys;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.driver.train.DataCheck;
import io.epochal.driver.train.FailureReason;
import io.epochal.driver.train.TrainingException;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.Path;

/**
 * The data half of a dry run: starts Spark, loads the job's data as the run would, and checks it as
 * the run checks it before its first round: a new job's against the model ({@code train --dry-run}
 * of a job.dir without a job), an existing job's also for the same usable and bad rows as the
 * checkpoint it continues after ({@code train --dry-run} of a stored spec, {@code resume
 * --dry-run}). Says the outcome on standard error; writes nothing.
 */
final class DryRunDataCheck {

  /** The most classes whose held-out rows are scored for val_auc and val_ap. */
  private static final int MAX_SCORED = io.epochal.worker.round.ClassScores.MAX_CLASSES;

  private final PrintStream err;
  private final CliOptions options;

  /** The options of the command whose run this dry run stands for. */
  CliOptions options() {
    return options;
  }

  DryRunDataCheck(PrintStream err, CliOptions options) {
    this.err = checkNotNull(err, "err");
    this.options = checkNotNull(options, "options");
  }

  /**
   * The dry run of a job whose {@code job.json} does not exist yet in {@code dir}: its data is loaded
   * and checked against the model, as train checks it before it writes the job directory.
   *
   * @param lost the newest checkpoint {@code dir} holds without a {@code job.json}, trained with
   *     {@code spec} ({@link io.epochal.driver.train.LostJobSpec}); empty for a new job
   * @return {@link ExitCodes#OK}, or the exit code train would fail with, having said why
   */
  int checkNewJob(JobSpec spec, Path dir, Optional<CheckpointEntry> lost) throws IOException {
    try (EpochalSpark spark = spark(spec)) {
      DataCheck check = new DataCheck(spec, spark);
      Optional<String> weights = lost.isEmpty() ? check.checkStartingWeights(true) : Optional.empty();
      long[] rows = check.checkNewJobData();
      String what = lost.map(e -> " holds no job.json, but checkpoints up to " + new Path(e.path()).getName()
          + " trained with "
          + "this spec; train would write job.json and continue after the newest verified one (nothing to train "
          + "if that is epoch " + spec.epochs() + ")").orElse(" holds no job yet; train would start this one at "
          + "epoch 1");
      err.println("epochal: dry run: " + JobSpecResolver.locationText(dir) + what + " on " + rows[0] + " rows of " + spec.dataPathText()
          + (rows[1] == 0 ? "" : " (" + rows[1] + " bad rows skipped)") + ", which fit the model");
      weights.ifPresent(w -> err.println("  " + w + "; they fit the model"));
      check.classCounts().ifPresent(counts -> err.println("  " + classes(spec, counts)));
      check.weights().ifPresent(w -> err.println("  " + w.describe()));
      paramGroups(spec);
      // the rows the newest checkpoint measured, which a lost job's train compares as a resume does
      Optional<io.epochal.driver.train.HeldOutRowsCheck.Measured> measured = lost.flatMap(e -> e.manifest()
          .flatMap(m -> io.epochal.driver.train.HeldOutRowsCheck.Measured.of(e.path(), m)));
      Optional<long[]> held = check.checkHeldOut(true, false, now -> heldOutAsMeasured(spec, measured,
          lost.map(CheckpointEntry::epoch).orElse(0L), now));
      held.ifPresent(h -> heldOut(spec, h));
      // the checkpoint it would continue after holds the state; a new job's is built as its first round builds it
      heap(spec, spark, lost.flatMap(CheckpointEntry::manifest).map(CheckpointManifest::dataBytes)
          .orElseGet(check::freshStateBytes), rows[2] + held.map(h -> h[2]).orElse(0L));
      if (lost.isEmpty()) {
        io.epochal.driver.train.ScheduleCoverage.forRows(spec, rows[0])
            .ifPresent(w -> err.println("epochal: warning: " + w));
      }
      return ExitCodes.OK;
    } catch (TrainingException e) {
      err.println("epochal: dry run: train would fail (" + e.reason() + "): " + e.getMessage());
      return exitCode(e);
    }
  }

  /**
   * The rows of each class (the first 20), and the class weights that would weigh them equally
   * ({@link LossKeys#balancedWeights}).
   */
  private static String classes(JobSpec spec, long[] counts) {
    long rows = java.util.Arrays.stream(counts).sum();
    StringBuilder line = new StringBuilder("classes: ");
    for (int c = 0; c < Math.min(counts.length, 20); c++) {
      line.append(c == 0 ? "" : ", ").append(c).append(": ").append(counts[c]).append(" rows (")
          .append(String.format(java.util.Locale.ROOT, "%.1f%%", 100.0 * counts[c] / Math.max(rows, 1))).append(')');
    }
    line.append(counts.length > 20 ? ", ... (" + counts.length + " classes)" : "");
    String set = LossKeys.text(spec.toHyperParameters());
    return line.append(LossKeys.balancedWeights(counts).map(w -> "; " + LossKeys.CLASS_WEIGHTS + "=" + w + " would "
        + "weigh them equally (rows / (classes x the class's rows), scikit-learn's compute_class_weight"
        + "(\"balanced\"))").orElse("; a class without rows: no weights balance them"))
        .append(set.isEmpty() ? "" : "; this job's: " + set).toString();
  }

  /** Says which of the model's trained parameters each of the job's parameter groups holds, when it has some. */
  private void paramGroups(JobSpec spec) {
    io.epochal.worker.optim.ParamGroups groups = spec.fineTuning().paramGroups();
    if (groups.isEmpty()) {
      return;
    }
    io.epochal.worker.round.FrozenParameters frozen = spec.fineTuning().frozenForGood();
    new RegistryModelCatalog().trainableParameters(spec.modelName(), spec.modelVersion(), spec.modelParams())
        .map(names -> names.stream().filter(n -> !frozen.isFrozen(n)).toList())
        .ifPresent(trained -> err.println("  parameter groups (" + io.epochal.driver.config.FineTuning.LR_SCALE + ", "
            + io.epochal.driver.config.FineTuning.NO_WEIGHT_DECAY + "): " + groups.describe(trained)));
  }

  /**
   * Checks {@code spec}'s data against the model and against checkpoint {@code after} (none: the
   * model only), and its held-out rows against those {@code measured}: those of the checkpoint the run
   * continues from (a mid-epoch one after {@code after}, or {@code after}'s). Without an epoch
   * checkpoint, the rows are compared with those of the mid-epoch checkpoint of the first epoch
   * ({@code midEpoch}), as the run compares them; with neither, the run starts from {@code
   * init.weights}, which are checked as it checks them.
   *
   * @param heldOutGiven whether the held-out rows are rows the job never measured (read strictly, as a new job's)
   * @param run what the dry run stands for ("train", "resume"), for the message
   * @return {@link ExitCodes#OK}, or the exit code the run would fail with, having said why
   */
  int check(JobSpec spec, Optional<CheckpointEntry> after, Optional<io.epochal.checkpoint.LoadedCheckpoint> midEpoch,
      Optional<io.epochal.driver.train.HeldOutRowsCheck.Measured> measured, boolean heldOutGiven, String run)
      throws IOException {
    // the rows compared: those the epoch checkpoint trained on, else those of the first epoch's mid-epoch one
    Optional<CheckpointEntry> trained = after.or(() -> midEpoch.map(c -> new CheckpointEntry(c.manifest().epoch(),
        c.path(), c.manifest(), null)));
    Map<String, Double> metrics = trained.flatMap(CheckpointEntry::manifest).map(CheckpointManifest::metrics)
        .orElse(Map.of());
    try (EpochalSpark spark = spark(spec)) {
      DataCheck data = new DataCheck(spec, spark);
      // a mid-epoch checkpoint of the first epoch continues without them, as the run does
      Optional<String> weights = trained.isEmpty() ? data.checkStartingWeights(false) : Optional.empty();
      long[] rows = data.checkResumeData(trained.map(CheckpointEntry::epoch).orElse(0L),
          trained.map(CheckpointEntry::path).orElse(null), metrics,
          trained.flatMap(CheckpointEntry::manifest).flatMap(CheckpointManifest::dataDigest).orElse(null));
      boolean compared = trained.isPresent() && metrics.containsKey(io.epochal.driver.config.EpochMetrics.DATA_ROWS);
      String by = after.isPresent() ? "epoch " + after.get().epoch() : "the mid-epoch checkpoint";
      err.println("  data: " + rows[0] + " rows of " + spec.dataPathText()
          + (rows[1] == 0 ? "" : " (" + rows[1] + " bad rows skipped)") + " fit the model"
          + (!compared ? "" : trained.flatMap(CheckpointEntry::manifest).flatMap(CheckpointManifest::dataDigest)
              .isPresent() ? ", and are the rows " + by + " trained on (data_sha256)"
              : ", and are as many as " + by + " trained on"));
      weights.ifPresent(w -> err.println("  " + w + "; they fit the model"));
      paramGroups(spec);
      Optional<long[]> held = Optional.empty();
      if (after.map(CheckpointEntry::epoch).orElse(0L) < spec.epochs()) { // a run that trains evaluates them
        held = data.checkHeldOut(false, heldOutGiven, now -> heldOutAsMeasured(spec, measured,
            after.map(CheckpointEntry::epoch).orElse(0L), now));
        held.ifPresent(h -> heldOut(spec, h));
      }
      long rowBytes = rows[2] + held.map(h -> h[2]).orElse(0L);
      after.flatMap(CheckpointEntry::manifest).ifPresent(m -> heap(spec, spark, m.dataBytes(), rowBytes));
      // as the run warns when it starts its epochs
      io.epochal.driver.train.ScheduleCoverage.forRows(spec, rows[0], after.isPresent())
          .ifPresent(w -> err.println("epochal: warning: " + w));
      return ExitCodes.OK;
    } catch (TrainingException e) {
      return wouldFail(run, e);
    }
  }

  /**
   * Checks the held-out rows a resume gives a job with nothing to train (a COMPLETED job's amendment), as the
   * run loads and checks them, and compares them with those {@code measured} (by its newest checkpoint, of
   * {@code epoch}), before it amends {@code job.json}; its data is not read.
   *
   * @param heldOutGiven whether they are rows the job never measured (read strictly, as a new job's)
   * @return {@link ExitCodes#OK}, or the exit code the run would fail with, having said why
   */
  int checkHeldOutOnly(JobSpec spec, Optional<io.epochal.driver.train.HeldOutRowsCheck.Measured> measured,
      long epoch, boolean heldOutGiven, String run) throws IOException {
    try (EpochalSpark spark = spark(spec)) {
      new DataCheck(spec, spark).checkHeldOut(false, heldOutGiven, now -> heldOutAsMeasured(spec, measured, epoch,
          now))
          .ifPresent(h -> heldOut(spec, h));
      return ExitCodes.OK;
    } catch (TrainingException e) {
      return wouldFail(run, e);
    }
  }

  /**
   * {@link io.epochal.driver.train.HeldOutRowsCheck#refuseUnmeasured} as the run makes it, before it reads the rows.
   *
   * @return {@link ExitCodes#OK}, or the exit code the run would fail with, having said why
   */
  int refuseUnmeasured(JobSpec spec, boolean checkpointed, boolean amended, long epoch, String run) {
    try {
      io.epochal.driver.train.HeldOutRowsCheck.refuseUnmeasured(spec, checkpointed, amended, epoch);
      return ExitCodes.OK;
    } catch (TrainingException e) {
      return wouldFail(run, e);
    }
  }

  /** Says that the run ({@code run}: "resume", ...) would fail with {@code e}; returns its exit code. */
  private int wouldFail(String run, TrainingException e) {
    err.println("epochal: dry run: the " + run + " would fail (" + e.reason() + "): " + e.getMessage());
    err.println("  nothing was written");
    return exitCode(e);
  }

  /** Compares held-out rows of digest {@code now} with those {@code measured}, as the run will. */
  private void heldOutAsMeasured(JobSpec spec, Optional<io.epochal.driver.train.HeldOutRowsCheck.Measured> measured,
      long epoch, String now) throws TrainingException {
    io.epochal.driver.train.HeldOutRowsCheck.check(spec, measured.orElse(null), epoch, now,
        w -> err.println("epochal: warning: " + w));
  }

  /** Says that the held-out rows fit: {@code held} usable and skipped rows. */
  private void heldOut(JobSpec spec, long[] held) {
    err.println("  held-out rows: " + held[0] + " rows of " + spec.validationPathText().orElseThrow()
        + (held[1] == 0 ? "" : " (" + held[1] + " bad rows skipped)") + " fit the model; every epoch is evaluated on "
        + "them (val_loss" + (!spec.classification() ? ", val_mae, val_rmse, val_r2"
        : spec.dataClasses() >= 2 && spec.dataClasses() <= MAX_SCORED
        ? ", val_accuracy, val_balanced_accuracy, val_f1, val_auc, val_ap"
        : spec.dataClasses() > MAX_SCORED ? ", val_accuracy, val_balanced_accuracy, val_f1"
        : ", val_accuracy, val_balanced_accuracy, val_f1 and, for a model of up to " + MAX_SCORED + " outputs, val_auc "
        + "and val_ap") + ")");
  }

  private EpochalSpark spark(JobSpec spec) {
    return SparkSessions.builder()
        .setMaster(options.master())
        .optAppName("epochal dry run " + spec.jobName())
        .optVerbose(options.verbose())
        .optGpus(gpus(spec)) // as the run asks for them, checked against the master the same way
        .optConf(options.sparkConf())
        .build();
  }

  /**
   * Checks {@code spec}'s GPU placement keys against the master as the run's Spark session does,
   * without starting one (for a dry run that reads no data).
   *
   * @throws ConfigException naming the key and the fix, as the run would refuse them
   */
  void checkPlacement(JobSpec spec) {
    checkPlacement(spec, options);
  }

  /**
   * Checks {@code spec}'s GPU placement keys against the master of {@code options} (else
   * {@code spark.master}, else {@code local[*]}, as Spark takes it) before Spark starts, after
   * {@link #checkSparkStarts}.
   *
   * @throws ConfigException naming the key and the fix
   */
  static void checkPlacement(JobSpec spec, CliOptions options) {
    checkPlacement(gpus(spec), checkSparkStarts(options), options);
  }

  /**
   * Checks the GPU scheduling {@code gpus} of a run's placement keys against {@code parsed}, the
   * master of {@code options} that {@link #checkSparkStarts} returned, as the run's Spark session does.
   *
   * @throws ConfigException naming the key and the fix
   */
  static void checkPlacement(io.epochal.driver.spark.GpuResources gpus, io.epochal.driver.spark.SparkMaster parsed,
      CliOptions options) {
    try {
      // the run's Spark conf: the placement keys' entries, overridden by the user's (spark-submit's too)
      java.util.Map<String, String> conf = new java.util.TreeMap<>(gpus.sparkConf(parsed));
      conf.putAll(options.effectiveSparkConf());
      io.epochal.driver.spark.GpuPreflight.check(gpus, parsed, conf);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(JobKeys.DEVICE, e.getMessage(), e);
    }
  }

  /**
   * Refuses what would stop the run's Spark session from starting, as the session would refuse it
   * but before a dry run prints anything as runnable: a master this Spark cannot run, a driver heap
   * below Spark's minimum, a driver JVM without the flags Spark needs on Java 17. Returns the master
   * parsed.
   *
   * @throws IllegalArgumentException naming the master and what to give instead, or the missing JVM flags
   * @throws ConfigException for the heap, with the option that sets it
   */
  static io.epochal.driver.spark.SparkMaster checkSparkStarts(CliOptions options) {
    return checkSparkStarts(options, Runtime.getRuntime().maxMemory());
  }

  /**
   * As {@link #checkSparkStarts(CliOptions)}, for a driver whose heap may grow to {@code heap} bytes
   * (a child driver this JVM starts, with a heap of its own).
   */
  static io.epochal.driver.spark.SparkMaster checkSparkStarts(CliOptions options, long heap) {
    String master = options.master() != null ? options.master() : System.getProperty("spark.master", "local[*]");
    io.epochal.driver.spark.SparkMaster parsed = io.epochal.driver.spark.SparkMaster.parse(master);
    io.epochal.driver.spark.SparkSessions.checkMaster(parsed);
    io.epochal.driver.spark.JavaModuleAccess.check();
    try {
      io.epochal.driver.spark.SparkSessions.checkDriverHeap(parsed, heap);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("-Xmx", e.getMessage(), e); // the JVM's heap option, said as the run says it
    }
    return parsed;
  }

  /** The GPU scheduling {@code spec}'s placement keys ask of Spark, as the run asks for it. */
  static io.epochal.driver.spark.GpuResources gpus(JobSpec spec) {
    return new io.epochal.driver.spark.GpuResources(spec.gpusPerExecutor(), spec.gpusPerTask(),
        spec.gpuDiscoveryScript(), "gpu".equals(spec.device()));
  }

  /** The GPU scheduling the placement keys {@code placement} (defaults filled in) ask of Spark. */
  static io.epochal.driver.spark.GpuResources gpus(io.epochal.params.HyperParameters placement) {
    return new io.epochal.driver.spark.GpuResources(placement.getInt(JobKeys.GPUS_PER_EXECUTOR),
        placement.getInt(JobKeys.GPUS_PER_TASK), placement.getString(JobKeys.GPU_DISCOVERY_SCRIPT),
        "gpu".equals(placement.getString(JobKeys.DEVICE)));
  }

  /** The exit code of the run that would fail with {@code e}. */
  static int exitCode(TrainingException e) {
    return e.reason() == FailureReason.BAD_INPUT ? ExitCodes.BAD_INPUT
        : e.reason() == FailureReason.INCOMPATIBLE_JOB || e.reason() == FailureReason.DEVICE_UNAVAILABLE
        ? ExitCodes.USAGE
        : e.reason() == FailureReason.STORAGE_UNAVAILABLE ? ExitCodes.IO_ERROR : ExitCodes.FAILED;
  }

  /**
   * The run's heap estimate for a state of {@code stateBytes} (the checkpoint's files, or a new
   * job's model and optimizer state): a line, and
   * the run's warning when the heap looks too small for it.
   */
  private void heap(JobSpec spec, EpochalSpark spark, long stateBytes, long rowBytes) {
    long copies = io.epochal.driver.train.HeapWatch.copiesHeld(
        io.epochal.driver.train.HeapWatch.workersAtATime(spec, spark), spark.jsc().isLocal());
    long rows = spark.jsc().isLocal() ? rowBytes : 0; // local mode's executors cache the rows in this heap
    err.println("  memory: a state of " + ProgressListener.size(stateBytes) + ", held about " + copies + " times "
        + "while it trains" + (rows > 0 ? ", and " + ProgressListener.size(rows) + " of cached rows" : "") + ": about "
        + ProgressListener.size(stateBytes * copies + rows) + " of the driver's heap of at most "
        + ProgressListener.size(Runtime.getRuntime().maxMemory()));
    io.epochal.driver.train.HeapWatch.checkHeap(stateBytes, rows, spec, spark)
        .ifPresent(w -> err.println("epochal: warning: " + w));
    io.epochal.driver.train.ExecutorMemoryCheck.check(stateBytes, spec, spark)
        .ifPresent(w -> err.println("epochal: warning: " + w));
  }
}
