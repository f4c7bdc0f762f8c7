package io.epochal.driver.app;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointException;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.cli.CliOptions;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.config.LossKeys;
import io.epochal.driver.predict.PredictInput;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.driver.train.LabelledRowsEvaluator;
import io.epochal.driver.train.ServedWeights;
import io.epochal.driver.train.TrainingException;
import io.epochal.driver.train.TrainingListener;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.probe.EngineCompatibility;
import io.epochal.worker.round.EvaluationResult;
import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * {@code epochal evaluate}: the loss (and, for a classification loss, the accuracy) of a
 * checkpoint's model on labelled rows, as the job evaluates its held-out rows after every epoch:
 * the same columns, checks and shards ({@code train.workers}), in evaluation mode. A job directory
 * gives its newest verified checkpoint, or with {@code --all} every checkpoint, one Spark job each
 * on rows read once. Each checkpoint is verified (sizes, SHA-256, its probe reproduced) before its
 * state is used; under {@code --all} one that fails is listed as such and the rest are evaluated.
 * The table (or with {@code --json} one JSON document, {@link EvaluationJson}) goes to standard
 * output, progress and warnings to standard error.
 */
final class CheckpointEvaluation {

  /** The options that give each data key, as failures name them. */
  private static final Map<String, String> OPTIONS = Map.of(JobKeys.DATA_VALIDATION_PATH, "--input",
      JobKeys.DATA_FORMAT, "--format", JobKeys.DATA_FEATURES, "--features", JobKeys.DATA_LABEL, "--label",
      JobKeys.DATA_BAD_ROWS, "--bad-rows");

  private final Configuration conf;
  private final PrintStream out;
  private final PrintStream err;
  /** Whether a classification's counts per class are given too ({@code --per-class}). */
  private final boolean perClass;
  /** {@code --weights}: trained, ema, or null for each checkpoint's served weights. */
  private final String weights;

  CheckpointEvaluation(Configuration conf, PrintStream out, PrintStream err, boolean perClass, String weights) {
    this.conf = conf;
    this.out = out;
    this.err = err;
    this.perClass = perClass;
    this.weights = weights;
  }

  /**
   * Evaluates {@code model} (a job directory or one checkpoint) on {@code input} with {@code
   * dataKeys} ({@code data.format}, {@code data.features}, {@code data.label}, {@code
   * data.bad_rows}; the checkpoint's own where not given); returns the exit code.
   *
   * @param input the labelled rows, or null for the held-out rows the job was evaluated on ({@code
   *     data.validation_path} of the newest checkpoint evaluated)
   */
  int evaluate(URI model, URI input, Map<String, String> dataKeys, boolean all, boolean json, CliOptions options)
      throws Exception {
    String given = input == null ? null : JobSpecResolver.locationText(new Path(input));
    try {
      return evaluate(model, given, dataKeys, all, json, options);
    } catch (Exception e) {
      if (json) { // a script reads the document; the failure is also said on standard error, with its exit code
        out.println(EvaluationJson.error(given, e.getMessage()));
      }
      throw e;
    } catch (OutOfMemoryError e) {
      if (json) { // as verify --json: the document first, then the one line and exit 52
        out.println(EvaluationJson.error(given, "out of memory: " + e.getMessage()));
      }
      throw e;
    }
  }

  private int evaluate(URI model, String given, Map<String, String> dataKeys, boolean all, boolean json,
      CliOptions options) throws Exception {
    if (given != null) {
      PredictInput.check(given, conf);
    }
    CheckpointTarget t = CheckpointTarget.resolveModel(model, conf);
    if (all && t.isCheckpoint()) {
      throw new ConfigException("--all", "--all evaluates every checkpoint of a job, but " + t + " is one "
          + "checkpoint: give its job directory " + JobSpecResolver.locationText(t.jobDir()) + ", or leave --all out");
    }
    try (CheckpointStore store = t.openWeights(conf)) {
      List<CheckpointEntry> entries = new ArrayList<>();
      LoadedCheckpoint first;
      if (all) {
        entries.addAll(store.list());
        if (entries.isEmpty()) {
          return nothingEvaluated(JobSpecResolver.locationText(t.jobDir()) + " has no checkpoint to evaluate", given,
              json, ExitCodes.FAILED);
        }
        if (given == null && entries.stream().allMatch(e -> e.manifest().isEmpty())) { // no manifest names its rows
          return nothingEvaluated(JobSpecResolver.locationText(t.jobDir()) + " has no checkpoint whose manifest can "
              + "be read (" + entries.get(entries.size() - 1).manifestProblem().orElse("damaged")
              + "; 'bin/epochal verify " + io.epochal.driver.config.ShellWords.location(t.jobDir())
              + " --all' says why)", given, json, ExitCodes.FAILED);
        }
        first = null;
      } else {
        Optional<LoadedCheckpoint> loaded = t.load(store, err);
        if (loaded.isEmpty()) {
          return nothingEvaluated(JobSpecResolver.locationText(new Path(model)) + " has no checkpoint to evaluate",
              given, json, ExitCodes.FAILED);
        }
        first = loaded.get();
        warnOfOtherEngine(first);
        Optional<CheckpointVerifier.Unusable> refused = CheckpointVerifier.unusable(first, ModelRegistry.getDefault());
        if (refused.isPresent()) { // exit 2 for a model the class path lacks, as predict and export
          err.println("epochal: not evaluated: " + refused.get().reason());
          if (json) {
            out.println(EvaluationJson.of(given, null, 0, 0, List.of(notEvaluated(first, refused.get()))));
          }
          return refused.get().exitCode();
        }
        t.noteUnfinished(first, conf, err); // of a checkpoint evaluated: one refused is not called verified
      }
      String rows = given != null ? given : heldOutRows(first != null ? Optional.of(first.manifest())
          : entries.stream().map(CheckpointEntry::manifest).flatMap(Optional::stream).reduce((a, b) -> b), t);
      return run(store, first, entries, rows, given == null, dataKeys, options, t, json);
    }
  }

  /** {@code heldOut}: the rows are the job's own data.validation_path (no --input), read as its epochs read them. */
  private int run(CheckpointStore store, LoadedCheckpoint single, List<CheckpointEntry> entries, String rows,
      boolean heldOut, Map<String, String> dataKeys, CliOptions options, CheckpointTarget t, boolean json)
      throws Exception {
    List<Evaluated> table = new ArrayList<>();
    int unusable = 0;
    EpochalSpark spark = null;
    LabelledRowsEvaluator evaluator = null;
    JobSpec spec = null;
    try {
      int count = single != null ? 1 : entries.size();
      for (int i = 0; i < count; i++) {
        LoadedCheckpoint c = single;
        if (c == null) {
          String name = String.format(Locale.ROOT, "epoch-%06d", entries.get(i).epoch());
          try {
            c = store.load(entries.get(i)); // every file's size and SHA-256
          } catch (io.epochal.checkpoint.CheckpointDeletedException e) {
            // retention of a job that trains meanwhile: no damage, and nothing to evaluate (as verify says it)
            err.println("epochal: warning: not evaluated: " + name + " was deleted while the checkpoints were "
                + "evaluated (retention of a job that is training)");
            continue;
          } catch (io.epochal.checkpoint.CheckpointCorruptedException e) {
            // damage, or a newer format; a read that failed otherwise (storage, heap) fails the command as such
            err.println("epochal: warning: not evaluated: " + e.getMessage());
            // a newer Epochal's checkpoint is not damaged: said as what it is
            table.add(new Evaluated(name, entries.get(i).path(), entries.get(i).epoch(),
                e instanceof io.epochal.checkpoint.NewerFormatException ? "NEWER FORMAT" : "DAMAGED", e.getMessage()));
            unusable++;
            continue;
          }
          warnOfOtherEngine(c);
          Optional<CheckpointVerifier.Unusable> refused = CheckpointVerifier.unusable(c, ModelRegistry.getDefault());
          if (refused.isPresent()) {
            err.println("epochal: warning: not evaluated: " + refused.get().reason());
            table.add(notEvaluated(c, refused.get()));
            unusable++;
            continue;
          }
        }
        if (evaluator == null) {
          spec = spec(c, rows, dataKeys);
          spark = SparkSessions.builder().setMaster(options.master())
              .optAppName("epochal evaluate " + c.manifest().modelName()).optVerbose(options.verbose())
              .optConf(options.sparkConf()).build();
          evaluator = LabelledRowsEvaluator.load(spec, spark,
              heldOut ? io.epochal.driver.config.JobKeys.DATA_VALIDATION_PATH : "--input", new TrainingListener() {
            @Override
            public void message(String message) {
              err.println("epochal: " + message);
            }

            @Override
            public void warning(String message) {
              err.println("epochal: warning: " + message);
            }
          });
        }
        String name = new Path(c.path()).getName();
        boolean average = ServedWeights.isAverage(c, weights);
        err.println("epochal: evaluating " + name + (c.ema().isEmpty() ? "" : average
            ? "'s moving average" : "'s trained weights") + " (" + (i + 1) + " of " + count + ") on "
            + evaluator.rows() + " rows");
        long started = System.nanoTime();
        EvaluationResult r = evaluator.evaluate(average ? c.ema() : c.model(), spec.jobName() + ": evaluate " + name);
        table.add(new Evaluated(name, c.path(), c.epoch(), r, null, null, (System.nanoTime() - started) / 1e9,
            average ? ServedWeights.AVERAGE : ServedWeights.TRAINED));
      }
    } catch (Exception e) {
      // executors that cannot start: their cancelled jobs are how any failure here shows, and the cause is theirs
      java.util.Optional<String> cannotStart = spark == null ? java.util.Optional.empty() : spark.executorsFailing();
      if (cannotStart.isPresent()) {
        return nothingEvaluated("nothing evaluated: " + cannotStart.get(), rows, json, ExitCodes.USAGE);
      }
      if (e instanceof TrainingException failed) { // the rows: bad input, storage that did not answer, or a failure
        return nothingEvaluated("nothing evaluated: " + optionWords(failed.getMessage()), rows, json,
            failed.reason() == io.epochal.driver.train.FailureReason.BAD_INPUT ? ExitCodes.BAD_INPUT
            : failed.reason() == io.epochal.driver.train.FailureReason.STORAGE_UNAVAILABLE ? ExitCodes.IO_ERROR
            : ExitCodes.FAILED);
      }
      throw e;
    } finally {
      if (evaluator != null) {
        evaluator.close();
      }
      if (spark != null) {
        spark.close();
      }
    }
    if (json) {
      out.println(EvaluationJson.of(rows, spec, evaluator == null ? 0 : evaluator.rows(),
          evaluator == null ? 0 : evaluator.skippedRows(), table, perClass));
    } else {
      EvaluationTable.print(out, table, spec == null || spec.classification());
      if (perClass && spec != null && spec.classification()) {
        EvaluationTable.printPerClass(out, table);
      }
    }
    if (perClass && spec != null && !spec.classification()) {
      err.println("epochal: warning: --per-class: loss " + spec.loss() + " is a regression's, whose rows have no "
          + "classes; nothing per class is given");
    }
    if (evaluator != null) {
      err.println("epochal: " + (table.size() - unusable) + " checkpoint" + (table.size() - unusable == 1 ? "" : "s")
          + " evaluated on " + evaluator.rows() + " rows of " + rows + " (loss: " + spec.loss() + ", the mean per row"
          + weightedBy(LossKeys.text(spec.toHyperParameters()))
          + (spec.classification() ? "; accuracy: rows whose largest output is their class"
          : "; MAE: the mean |output - label|, RMSE: the root of the mean (output - label)^2, R2: 1 - the squared "
          + "errors' sum over the labels' squared deviations from their mean, per output, averaged") + ")"
          + (evaluator.skippedRows() > 0 ? "; " + evaluator.skippedRows() + " bad rows skipped" : ""));
    }
    if (table.isEmpty()) { // every checkpoint listed was deleted while the others were evaluated
      err.println("epochal: no checkpoint of " + io.epochal.driver.config.ShellWords.location(t.jobDir()) + " was "
          + "evaluated: each one listed was deleted meanwhile (retention of a job that is training); run evaluate "
          + "again");
      return ExitCodes.FAILED;
    }
    if (unusable > 0) {
      err.println("epochal: " + unusable + " checkpoint" + (unusable == 1 ? " was" : "s were") + " not evaluated "
          + "(above); 'bin/epochal verify " + io.epochal.driver.config.ShellWords.location(t.jobDir())
          + " --all' shows every check");
      return ExitCodes.FAILED;
    }
    return ExitCodes.OK;
  }

  /**
   * The held-out rows {@code manifest}'s job was evaluated on, for a command given no {@code
   * --input}: said on standard error; a configuration error naming {@code --input} when there are
   * none or they are gone.
   */
  private String heldOutRows(Optional<io.epochal.checkpoint.CheckpointManifest> manifest, CheckpointTarget t) {
    io.epochal.params.HyperParameters hp = manifest.map(io.epochal.checkpoint.CheckpointManifest::hyperParameters)
        .orElse(null);
    String path = hp != null && hp.contains(JobKeys.DATA_VALIDATION_PATH)
        ? hp.getString(JobKeys.DATA_VALIDATION_PATH) : "";
    if (path.isBlank()) {
      throw new ConfigException("--input", "--input is not given, and " + t + " was trained without held-out rows ("
          + JobKeys.DATA_VALIDATION_PATH + " is not in its manifest; a resume may have removed it after older "
          + "checkpoints were evaluated on some): give --input <labelled rows> to evaluate on");
    }
    String rows = JobSpecResolver.locationText(new Path(path));
    try {
      PredictInput.check(rows, conf);
    } catch (ConfigException e) {
      throw new ConfigException("--input", "--input is not given, and the held-out rows the job was evaluated on "
          + "cannot be used: " + e.getMessage().replaceFirst("^--input ", JobKeys.DATA_VALIDATION_PATH + " ")
          .replaceFirst("; give .*$", "") + "; give --input <labelled rows>", e);
    } catch (io.epochal.driver.config.StorageUnreachableException e) { // the rows' storage, not an option given
      throw new io.epochal.driver.config.StorageUnreachableException("the held-out rows the job was evaluated on "
          + "cannot be read now: " + e.getMessage().replaceFirst("^--input ", JobKeys.DATA_VALIDATION_PATH + " "),
          e.getCause());
    }
    err.println("epochal: no --input: evaluating on the held-out rows the job was evaluated on, " + rows + " ("
        + JobKeys.DATA_VALIDATION_PATH + ")");
    return rows;
  }

  /**
   * Says {@code message} on standard error and, with {@code --json}, as the error of a document with
   * no checkpoint evaluated; returns {@code code}.
   */
  private int nothingEvaluated(String message, String rows, boolean json, int code) {
    err.println("epochal: " + message);
    if (json) {
      out.println(EvaluationJson.error(rows, message));
    }
    return code;
  }

  /** The line of checkpoint {@code c}, not evaluated: {@code UNREGISTERED} or {@code NOT REPRODUCED}, and why. */
  private static Evaluated notEvaluated(LoadedCheckpoint c, CheckpointVerifier.Unusable why) {
    return new Evaluated(new Path(c.path()).getName(), c.path(), c.epoch(),
        why.unregistered() ? "UNREGISTERED" : "NOT REPRODUCED", why.reason());
  }

  /** Warns when {@code c} was saved with another DJL, engine or platform. */
  private void warnOfOtherEngine(LoadedCheckpoint c) {
    String warning = EngineCompatibility.withCurrent(c.manifest().versions()).warning(
        JobSpecResolver.locationText(c.path()));
    if (!warning.isEmpty()) {
      err.println("epochal: warning: " + warning);
    }
  }

  /** The job spec {@code c} was trained with, its data keys given anew by the command's options. */
  private JobSpec spec(LoadedCheckpoint c, String rows, Map<String, String> dataKeys) {
    io.epochal.params.HyperParameters hp = c.manifest().hyperParameters();
    Map<String, String> texts = new LinkedHashMap<>(dataKeys);
    texts.put(JobKeys.DATA_VALIDATION_PATH, rows);
    if (!texts.containsKey(JobKeys.DATA_FORMAT)) {
      texts.put(JobKeys.DATA_FORMAT, PredictInput.format(rows, null, hp.contains(JobKeys.DATA_FORMAT)
          ? hp.getString(JobKeys.DATA_FORMAT) : "parquet", conf));
    }
    return JobSpec.fromHyperParameters(hp, texts, key -> OPTIONS.getOrDefault(key, key), new RegistryModelCatalog());
  }

  /** How the mean per row is weighted for class weights {@code weights} (none: not at all). */
  private static String weightedBy(String weights) {
    return weights.isEmpty() ? "" : " weighted by its class (" + LossKeys.CLASS_WEIGHTS + " " + weights + ")";
  }

  /**
   * One checkpoint's line: its evaluation, or (result null) why it was not evaluated, {@code
   * status} {@code DAMAGED}, {@code UNREGISTERED} or {@code NOT REPRODUCED} and {@code reason}.
   */
  record Evaluated(String name, String path, long epoch, EvaluationResult result, String status, String reason,
      double seconds, String weights) {

    /** A checkpoint not evaluated, {@code status} saying why. */
    Evaluated(String name, String path, long epoch, String status, String reason) {
      this(name, path, epoch, null, status, reason, 0, null);
    }
  }

  /**
   * {@code message} with the data keys this command takes as options named as those options
   * ({@code data.label} as {@code --label}): a row or column the rows lack is fixed with them here.
   */
  static String optionWords(String message) {
    String said = message.replace(JobKeys.DATA_BAD_ROWS + "=", JobKeys.DATA_BAD_ROWS + " ");
    for (Map.Entry<String, String> o : OPTIONS.entrySet()) {
      said = said.replace(o.getKey(), o.getValue());
    }
    return said;
  }

}
