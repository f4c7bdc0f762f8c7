package io.epochal.driver.app;

import io.epochal.driver.cli.CliOptions;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.cli.JobAmendment;
import io.epochal.driver.cli.ProgressReporter;
import io.epochal.driver.cli.ResumeAllRequest;
import io.epochal.driver.cli.TrainingLauncher;
import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.config.ShellWords;
import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.driver.predict.BatchPredictor;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.driver.train.LostJobSpec;
import io.epochal.driver.train.TrainingException;
import io.epochal.driver.train.TrainingJob;
import io.epochal.driver.train.TrainingOutcome;
import io.epochal.job.JobSpecMismatchException;
import io.epochal.job.JobSpecStore;
import io.epochal.job.LeaseHeldException;
import io.epochal.params.HyperParameters;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Runs the CLI's commands on Spark: {@code train} and {@code resume} start a session for the
 * chosen master and run a {@link TrainingJob}; {@code status}, {@code inspect} and {@code verify}
 * read the job directory without Spark; {@code predict} runs a {@link BatchPredictor} on a session
 * for the chosen master, with a checkpoint's model or an ONNX model file. Failures become
 * documented exit codes with a message that says what to do.
 */
public final class SparkTrainingLauncher implements TrainingLauncher {

  private final PrintStream out;
  private final PrintStream err;

  /** A launcher printing to the process's standard streams. */
  public SparkTrainingLauncher() {
    this(System.out, System.err);
  }

  /** A launcher printing to {@code out} and {@code err}. */
  public SparkTrainingLauncher(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  @Override
  public int train(JobSpec spec, CliOptions options) throws Exception {
    NewerFormatCheck.check(new Path(spec.jobDir()), options.hadoopConfiguration()); // before the lease is taken
    return train(spec, null, options);
  }

  /** Trains {@code spec}; {@code amendedFrom} is the stored spec it replaces, or null. */
  private int train(JobSpec requested, io.epochal.job.JobSpec amendedFrom, CliOptions options) throws Exception {
    Configuration conf = options.hadoopConfiguration();
    JobSpec spec = requested;
    if (amendedFrom == null) {
      Optional<io.epochal.job.JobSpec> stored = ExistingJob.storedSpec(requested, conf);
      if (stored.isEmpty()) {
        JobNesting.checkNewJobDir(new Path(requested.jobDir()), conf)
            .ifPresent(w -> err.println("epochal: warning: " + w));
      } else { // train on an existing job continues it: refused as resume refuses it
        Path dir = new Path(requested.jobDir());
        org.apache.hadoop.fs.FileSystem fs = dir.getFileSystem(conf);
        PreparedResume.refuseModelKeepingStateOutside(fs, dir, fs.makeQualified(dir));
      }
      spec = ExistingJob.asStored(requested, stored, conf, err);
    }
    DryRunDataCheck.checkPlacement(spec, options); // as a configuration error, before Spark starts
    ProgressReporter progress = new ProgressReporter(out, System.console() != null);
    try (EpochalSpark spark = SparkSessions.builder()
        .setMaster(options.master())
        .optAppName("epochal " + spec.jobName())
        .optVerbose(options.verbose())
        .optGpus(DryRunDataCheck.gpus(spec))
        .optConf(options.sparkConf())
        .build()) {
      spark.onExecutorLost(line -> {
        progress.endLine(); // not after the progress bar on the same console line
        err.println("epochal: warning: " + line);
      });
      TrainingOutcome outcome;
      try {
        outcome = run(spec, spark, progress, amendedFrom, options);
      } catch (LeaseHeldException e) {
        // a restarted driver: the one before it died holding the lease, which runs out by itself
        LeaseExpiryWait wait = new LeaseExpiryWait(new Path(spec.jobDir()), conf,
            java.time.Duration.ofMillis(spec.leaseTtlMs()), java.time.Clock.systemUTC(), err);
        if (!wait.await(e.getCurrent())) {
          // as the lease is now, not as it was before the wait
          Path leased = new Path(spec.jobDir());
          throw wait.renewed().map(c -> new LeaseHeldException(leased, c)).orElse(e);
        }
        outcome = run(spec, spark, progress, amendedFrom, options);
      }
      int trainedNow = outcome.epochs() - outcome.resumedFrom();
      if (outcome.stoppedEarly().isPresent()) {
        // with the master and conf this run was given (spark-submit's form under spark-submit)
        out.printf(Locale.ROOT, "stopped early after epoch %d of %d: %s; train.epochs is now %d (more: %s "
            + "--epochs N, with --set %s=<more> to wait longer)%n", outcome.epochs(), spec.epochs(),
            outcome.stoppedEarly().get(), outcome.epochs(), ResumeCommand.of(spec, options),
            JobKeys.EARLY_STOP_PATIENCE);
      }
      out.printf(Locale.ROOT, "%s%d of %d epochs done (%d in this run, %d before it), %d optimizer steps%n",
          trainedNow == 0 ? "nothing to train: " : "", outcome.epochs(), outcome.stoppedEarly().isPresent()
          ? outcome.epochs() : spec.epochs(), trainedNow, outcome.resumedFrom(), outcome.globalStep());
      out.println("checkpoints: " + JobSpecResolver.locationText(new Path(outcome.checkpointsDir())));
      out.println("status:      bin/epochal status " + ShellWords.location(spec.jobDir()));
      return ExitCodes.OK;
    } catch (JobSpecMismatchException e) {
      return ExistingJob.reportMismatch(err, e.getFile(), e.getDifferences(), spec, conf, options);
    } catch (LeaseHeldException e) {
      err.println("epochal: " + e.getMessage());
      return ExitCodes.LEASE_HELD;
    } catch (TrainingException e) {
      // its amendment again (--relocate, --data, --epochs, --set): a run that failed before it wrote it to
      // job.json continues as amended only so; after, they change nothing
      return TrainingFailureReport.report(e, ResumeCommand.of(spec, options) + (amendedFrom == null ? ""
          : io.epochal.driver.config.AmendmentOptions.of(amendedFrom.getHyperParameters(), spec)), err);
    }
  }

  private TrainingOutcome run(JobSpec spec, EpochalSpark spark, ProgressReporter progress,
      io.epochal.job.JobSpec amendedFrom, CliOptions options) throws Exception {
    return TrainingJob.builder()
        .setSpec(spec)
        .setSpark(spark)
        .optListener(new ProgressListener(progress, err, dir -> ResumeCommand.of(dir, options)))
        .optAmendedFrom(amendedFrom)
        .build()
        .run();
  }

  @Override
  public int dryRun(JobSpec requested, CliOptions options) throws IOException {
    Configuration conf = options.hadoopConfiguration();
    io.epochal.checkpoint.StoreOptions.check(conf, requested.jobDir().toString()); // as the run's store does
    Path dir = new Path(requested.jobDir());
    FileSystem fs = dir.getFileSystem(conf);
    JobSpecStore specs = new JobSpecStore(fs, dir);
    Optional<io.epochal.job.JobSpec> stored = specs.read();
    NewerFormatCheck.check(dir, conf);
    if (stored.isPresent()) { // as the run refuses it
      PreparedResume.refuseModelKeepingStateOutside(fs, dir, fs.makeQualified(dir));
    }
    JobSpec spec = ExistingJob.asStored(requested, stored, conf, err);
    DryRunDataCheck.checkPlacement(spec, options); // GPUs against the master, before the spec is printed as runnable
    spec.toPropertyLines().forEach(out::println); // what train would run, amendments included
    out.flush();
    // placement keys are the run's own, never in job.json: said, when not their defaults, as resume's dry run says them
    spec.placement().asMap().forEach((k, v) -> {
      if (!java.util.Objects.equals(v, JobKeys.specs().get(k).defaultValue())) {
        err.println("epochal: dry run: this run only (not in job.json): " + k + "=" + v);
      }
    });
    if (spec.createdBeforeRowOrder() && !requested.createdBeforeRowOrder()) {
      err.println("epochal: dry run: " + ShellWords.location(dir) + " holds a job created before "
          + JobKeys.DATA_ROW_ORDER + " existed: train keeps reading its rows in Spark's order (and csv as it was "
          + "read then), not by " + JobKeys.DATA_ROW_ORDER + "=" + requested.toHyperParameters()
          .getString(JobKeys.DATA_ROW_ORDER) + ", the default of jobs created since; the spec printed has no "
          + JobKeys.DATA_ROW_ORDER);
    }
    if (stored.isEmpty()) {
      JobNesting.checkNewJobDir(dir, conf).ifPresent(w -> err.println("epochal: dry run: warning: " + w));
      Optional<CheckpointEntry> lost;
      try (CheckpointStore store = HadoopCheckpointStore.builder().setJobDir(dir.toString()).optConfiguration(conf)
          .build()) {
        lost = LostJobSpec.checkJob(spec, store, conf);
      }
      return new DryRunDataCheck(err, options).checkNewJob(spec, dir, lost);
    }
    List<String> differences = stored.get().diff(spec.toStored());
    if (!differences.isEmpty()) {
      return ExistingJob.reportMismatch(err, specs.getFile(), differences, spec, conf, options);
    }
    err.println("epochal: dry run: " + ShellWords.location(dir) + " already holds this job (its job.json matches);"
        + " train continues it as a resume does:");
    // the same run as a resume with this train's placement keys
    Map<String, String> placement = new java.util.TreeMap<>();
    spec.placement().asMap().forEach((k, v) -> {
      if (!java.util.Objects.equals(v, JobKeys.specs().get(k).defaultValue())) {
        placement.put(k, String.valueOf(v)); // a default is no key of this run's own
      }
    });
    PreparedResume prepared = PreparedResume.of(dir.toUri(), new JobAmendment(false, null, 0, placement), options, err,
        false); // the spec took the conf's job keys already, as train does: compared above
    return new ResumeDryRun(err, "train").print(prepared, conf, new DryRunDataCheck(err, options));
  }

  @Override
  public int resumeAll(URI root, ResumeAllRequest request, CliOptions options) throws Exception {
    Path rootPath = new Path(root);
    if (!rootPath.getFileSystem(options.hadoopConfiguration()).exists(rootPath)) {
      throw new ConfigException("URI", root + " does not exist; give a directory with jobs under it");
    }
    ResumeConfCheck.checkKnownKeys(options.effectiveSparkConf());
    ResumePlan plan = ResumePlan.of(rootPath, options.hadoopConfiguration(), java.time.Instant.now(),
        request.relocate());
    if (plan.entries().isEmpty()) {
      err.println("epochal: no Epochal job at or under " + root + " (a job directory holds job.json)");
      return ExitCodes.USAGE;
    }
    plan.print(out);
    // what every resume through this launcher checks before its Spark starts, whatever its job: checked once
    List<String> failures = request.submitTemplate() != null || plan.toResume().isEmpty() ? List.of()
        : sparkFailures(options, new ChildResumeCommand(request.parallel(), null, options));
    if (request.dryRun()) {
      int refused = printConfEffects(plan, options);
      if (!failures.isEmpty()) {
        out.println("every resume would fail before its Spark starts (exit " + ExitCodes.USAGE + "), saying:");
        failures.forEach(line -> out.println("  " + line));
        out.println("dry run: nothing started; the run would start none of the " + plan.toResume().size()
            + " to resume and exit " + ExitCodes.USAGE);
        return ExitCodes.USAGE;
      }
      long unreadable = plan.entries().stream().filter(e -> e.action() == ResumePlan.Action.ERROR).count();
      long lost = plan.entries().stream().filter(ResumePlan.Entry::awaitsExpiry).count();
      long moved = plan.entries().stream().filter(ResumePlan.Entry::awaitsRelocation).count();
      out.println("dry run: nothing started (" + plan.toResume().size() + " to resume"
          + (refused == 0 ? "" : ", " + refused + " of them refused for the spark.epochal.* entries above")
          + (unreadable == 0 ? "" : "; " + unreadable + " job(s) could not be read (ERROR above)")
          + (lost == 0 ? "" : "; " + lost + " LOST job(s) wait for their lease to expire")
          + (moved == 0 ? "" : "; " + moved + " unfinished job(s) moved here (or whose original location cannot be "
          + "checked) wait to be resumed with --relocate ('resume --all --relocate' resumes those moved)")
          + (unreadable + lost + moved + refused == 0 ? ")" : ", so the run would exit " + ExitCodes.FAILED + ")"));
      return unreadable + lost + moved + refused == 0 ? ExitCodes.OK : ExitCodes.FAILED; // as the run would
    }
    if (!failures.isEmpty()) {
      err.println("epochal: no resume started: each of the " + plan.toResume().size() + " to resume would fail"
          + " before its Spark starts (exit " + ExitCodes.USAGE + "), saying:");
      failures.forEach(line -> err.println("  " + line));
      return ExitCodes.USAGE;
    }
    return new ClusterResume(request.parallel(), request.submitTemplate(), options, out, err).run(plan);
  }

  /**
   * What each resume started with {@code commands} and {@code options} would say on standard error
   * (a line for each problem) before it exits 2 for the checks it runs before its Spark starts that
   * depend on the command, not on its job: the master, the driver JVM (the heap a child driver gets,
   * the flags Spark needs on Java 17), and the placement keys of the Spark conf against the master.
   * Empty when they pass.
   */
  private static List<String> sparkFailures(CliOptions options, ChildResumeCommand commands) {
    try {
      // as each resume takes them: from the Spark conf, the same for every job (they are never stored)
      io.epochal.params.HyperParameters placement = io.epochal.driver.config.PlacementKeys.resolve(
          ResumeConfCheck.placement(options.effectiveSparkConf()), key -> "--conf " + JobKeys.SPARK_CONF_PREFIX + key);
      io.epochal.driver.spark.SparkMaster master = DryRunDataCheck.checkSparkStarts(options, commands.childHeap());
      DryRunDataCheck.checkPlacement(DryRunDataCheck.gpus(placement), master, options);
      return List.of();
    } catch (ConfigException e) {
      List<String> lines = new java.util.ArrayList<>();
      lines.add("epochal: configuration error: " + (e.problems().size() < 2 ? oneLine(e.getMessage())
          : e.problems().size() + " problems; fix each:"));
      for (int i = 0; e.problems().size() > 1 && i < e.problems().size(); i++) {
        lines.add("  " + (i + 1) + ". " + e.problems().get(i));
      }
      return lines;
    } catch (IllegalArgumentException e) { // a master this Spark cannot run, the JVM flags Spark needs
      return List.of("epochal: " + oneLine(e.getMessage()));
    }
  }

  private static String oneLine(String message) {
    return String.valueOf(message).replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }

  /**
   * For the jobs {@code plan} resumes, what the command's {@code spark.epochal.*} entries do to
   * each, as its resume would: placement keys apply to every run, a differing retention, retry or
   * lease key amends a job's job.json, and any other differing key refuses its resume. Returns how
   * many resumes they refuse.
   */
  private int printConfEffects(ResumePlan plan, CliOptions options) throws IOException {
    int refused = 0;
    Map<String, String> sparkConf = options.effectiveSparkConf();
    Configuration conf = options.hadoopConfiguration();
    ResumeConfCheck.placement(sparkConf).forEach((k, v) -> out.println("every resumed run: " + k + "=" + v
        + " (spark.epochal." + k + "; this run's own, not stored)"));
    for (ResumePlan.Entry e : plan.toResume()) {
      Optional<io.epochal.job.JobSpec> stored = new JobSpecStore(e.jobDir().getFileSystem(conf), e.jobDir()).read();
      if (stored.isEmpty()) {
        continue;
      }
      HyperParameters keys = stored.get().getHyperParameters();
      // as the job's resume takes the conf: without entries that restate its keys or that a past resume amended away
      Map<String, String> itsConf = PreparedResume.sparkConfOfResume(sparkConf, keys, keys,
          e.jobDir().getFileSystem(conf).makeQualified(e.jobDir()), conf, err);
      ResumeConfCheck.Comparison c = ResumeConfCheck.compare(itsConf, keys, conf);
      if (!c.unknown().isEmpty()) {
        refused++;
        out.println(e.name() + ": its resume would be refused: these spark.epochal.* keys are not keys of its job: "
            + String.join(", ", c.unknown()));
      } else if (!c.refused().isEmpty()) {
        refused++;
        out.println(e.name() + ": its resume would be refused: these spark.epochal.* entries differ from its "
            + "job.json (job -> Spark conf): " + String.join("; ", c.refused()));
      } else if (!c.amended().isEmpty()) {
        Optional<String> refusal = refusalOf(keys, c.amended());
        if (refusal.isPresent()) {
          refused++;
          out.println(e.name() + ": its resume would be refused: " + oneLine(refusal.get()));
          continue;
        }
        List<String> changes = new java.util.ArrayList<>();
        c.amended().forEach((k, v) -> changes.add(k + ": " + Optional.ofNullable(keys.asMap().get(k))
            .map(Object::toString).orElse("(not set)") + " -> " + v));
        out.println(e.name() + ": its job.json changes (spark.epochal.*): " + String.join("; ", changes));
      }
    }
    return refused;
  }

  /**
   * Why a job of stored keys {@code keys} would refuse the {@code spark.epochal.*} values {@code amended}, as its
   * resume builds its spec with them: each value's type and range, and the rules between keys (a minimum
   * improvement needs a patience, a best metric one the job records). A job whose stored keys do not make a spec
   * by themselves (its resume says so) has each value checked on its own.
   */
  private static Optional<String> refusalOf(HyperParameters keys, Map<String, String> amended) {
    java.util.function.UnaryOperator<String> source = k -> "--conf " + JobKeys.SPARK_CONF_PREFIX + k;
    try {
      JobSpec.fromHyperParameters(keys, amended, source, new RegistryModelCatalog());
      return Optional.empty();
    } catch (ConfigException refusal) {
      try {
        JobSpec.fromHyperParameters(keys, new RegistryModelCatalog());
      } catch (ConfigException stored) {
        try {
          amended.forEach((k, v) -> JobKeys.checkText(k, v, source.apply(k)));
          return Optional.empty();
        } catch (ConfigException value) {
          return Optional.of(value.getMessage());
        }
      }
      return Optional.of(refusal.getMessage());
    }
  }

  @Override
  public int resume(URI jobDir, CliOptions options) throws Exception {
    return resume(jobDir, JobAmendment.NONE, options);
  }

  @Override
  public int resume(URI jobDir, JobAmendment amendment, CliOptions options) throws Exception {
    PreparedResume prepared;
    try (io.epochal.driver.train.StallWatch.Wait w = io.epochal.driver.train.StallWatch.of(
        m -> err.println("epochal: warning: " + m), m -> err.println("epochal: " + m))
        .begin(JobSpecResolver.locationText(new Path(jobDir)) + "'s job files and checkpoints to be read (a file "
            + "system that does not answer holds it up)")) {
      NewerFormatCheck.check(new Path(jobDir), options.hadoopConfiguration());
      prepared = PreparedResume.of(jobDir, amendment, options, err);
    }
    return train(prepared.spec(), prepared.amendedFrom().orElse(null), options);
  }

  @Override
  public int resumeDryRun(URI jobDir, JobAmendment amendment, CliOptions options) throws Exception {
    io.epochal.checkpoint.StoreOptions.check(options.hadoopConfiguration(), jobDir.toString());
    NewerFormatCheck.check(new Path(jobDir), options.hadoopConfiguration());
    PreparedResume prepared = PreparedResume.of(jobDir, amendment, options, err);
    DryRunDataCheck.checkSparkStarts(options); // before the spec is printed as runnable, as train's dry run
    // the spec the resume runs with, as train --dry-run prints its own
    prepared.spec().toPropertyLines().forEach(out::println);
    out.flush();
    return new ResumeDryRun(err, "resume").print(prepared, options.hadoopConfiguration(),
        new DryRunDataCheck(err, options));
  }

  @Override
  public int status(URI jobDir, boolean json, CliOptions options) throws Exception {
    return new JobStatusReport(options.hadoopConfiguration(), out).print(jobDir, json);
  }

  @Override
  public int history(URI jobDir, boolean csv, CliOptions options) throws Exception {
    return new EpochHistoryReport(options.hadoopConfiguration(), out, err).print(jobDir, csv);
  }

  @Override
  public int inspect(URI checkpoint, CliOptions options) throws Exception {
    return new CheckpointInspector(options.hadoopConfiguration(), out, err).inspect(checkpoint);
  }

  @Override
  public int verify(URI target, CliOptions options) throws Exception {
    return new CheckpointVerification(options.hadoopConfiguration(), out, err).verify(target, false, false);
  }

  @Override
  public int verify(URI target, boolean all, boolean json, CliOptions options) throws Exception {
    return new CheckpointVerification(options.hadoopConfiguration(), out, err).verify(target, all, json);
  }

  @Override
  public int export(URI checkpoint, String format, URI target, String weights, CliOptions options) throws Exception {
    return new ModelExport(options.hadoopConfiguration(), out, err).export(checkpoint, format, target, weights);
  }

  @Override
  public int predict(URI model, URI input, URI output, Map<String, String> dataKeys, CliOptions options)
      throws Exception {
    return new CheckpointPrediction(options.hadoopConfiguration(), out, err).predict(model, input, output, dataKeys,
        options);
  }

  @Override
  public int evaluate(URI model, URI input, Map<String, String> dataKeys, boolean all, boolean json,
      boolean perClass, String weights, CliOptions options) throws Exception {
    return new CheckpointEvaluation(options.hadoopConfiguration(), out, err, perClass, weights).evaluate(model, input,
        dataKeys, all, json, options);
  }
}
