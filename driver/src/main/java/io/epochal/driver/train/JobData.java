package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.EpochMetrics;
import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.config.LossKeys;
import io.epochal.driver.data.BadInputException;
import io.epochal.driver.data.DataOptions;
import io.epochal.driver.data.DatasetLoader;
import io.epochal.driver.data.LoadedDataset;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.round.BatchPlan;
import io.epochal.worker.round.TrainingConfig;
import java.util.Arrays;
import java.util.Map;

/**
 * A job's training data, loaded on Spark and checked before any round runs: its class labels
 * against the model's outputs (as it is read), its features against the model's input, its loss
 * against the model's outputs, and, for a job that continues after a checkpoint, its usable and bad
 * rows against those the checkpoint trained on. A failure names the file, row, key or checkpoint,
 * and says whether anything was written and how to go on.
 */
final class JobData {

  /** How the error of data with another feature size than the model's starts. */
  private static final String FEATURE_MISMATCH = "the data has ";

  private final JobSpec spec;
  private final TrainingConfig config;
  private final EpochalSpark spark;
  private final TrainingListener listener;
  private ModelShape modelShape;

  JobData(JobSpec spec, TrainingConfig config, EpochalSpark spark, TrainingListener listener) {
    this.spec = checkNotNull(spec, "spec");
    this.config = checkNotNull(config, "config");
    this.spark = checkNotNull(spark, "spark");
    this.listener = checkNotNull(listener, "listener");
  }

  /** The data of a job whose spec is stored: a spec the data does not fit is the data's failure. */
  LoadedDataset forStoredJob() throws TrainingException {
    try {
      return load(true);
    } catch (ConfigException e) {
      // the stored spec cannot change: for this job the data no longer fits it
      throw new TrainingException(FailureReason.BAD_INPUT, 0, 0, DataAdvice.storedJob(spec, e.getMessage())
          + " (job " + spec.jobDirText()
          + " keeps the spec it started with: fix the data and resume, or train the changed spec in a new"
          + " job.dir)", e);
    }
  }

  /**
   * The data of a job whose directory holds no {@code job.json} yet, loaded and checked against the
   * model; a failure says that nothing was written.
   */
  LoadedDataset forNewJob() throws TrainingException {
    try {
      return load(false);
    } catch (TrainingException e) {
      throw new TrainingException(e.reason(), 0, 0, e.getMessage() + TrainingJob.NOTHING_WRITTEN + spec.jobDirText()
          + (e.getMessage().startsWith(FEATURE_MISMATCH) ? ")" : ": fix the data or the spec and train again)"),
          e.getCause());
    } catch (ConfigException e) {
      throw new ConfigException(e.key(), e.getMessage() + TrainingJob.NOTHING_WRITTEN + spec.jobDirText() + ")");
    }
  }

  /**
   * Loads the data, checking class labels against the classes the model can predict: a label the
   * loss cannot use makes its row bad when it is read (named by file and row, and counted or
   * refused by {@code data.bad_rows}), not a task failure in some round that Spark retries for
   * nothing. {@code data.classes} narrows the range; one wider than the model's outputs is narrowed
   * to them with a warning (the stored spec cannot change, and a job whose labels all fit trains).
   */
  LoadedDataset load(boolean stored) throws TrainingException {
    int outputSize = modelShape().outputs();
    DataOptions options = stored ? DataOptions.fromJobSpec(spec).asStoredJobs() : DataOptions.fromJobSpec(spec);
    if (spec.classification() && (options.classes() == 0 || options.classes() > outputSize)) {
      if (options.classes() > outputSize) {
        listener.warning(JobKeys.DATA_CLASSES + "=" + options.classes() + " but model " + config.modelName() + " v"
            + config.modelVersion() + " predicts " + outputSize + " classes: labels are checked against [0, "
            + outputSize + "), and a row with a larger one is bad (data.bad_rows)");
      }
      options = options.withClasses(outputSize);
    } else if (!spec.classification() && options.classes() > 0) {
      listener.warning(JobKeys.DATA_CLASSES + "=" + options.classes() + " has no effect with " + JobKeys.LOSS + "="
          + spec.loss() + ": its labels are numeric targets, not class indices");
    }
    // the read is a Spark job of its own, as long as a pass over the files: say what the wait is for
    listener.message("reading " + spec.dataPathText() + " (" + options.format() + "): every row is decoded and "
        + "checked, and each worker's shard cached, before the first round");
    LoadedDataset data;
    try {
      data = new DatasetLoader(spark.session()).load(options, modelFeatures(), size -> checkFeatures(size, stored));
    } catch (BadInputException e) {
      throw new TrainingException(FailureReason.BAD_INPUT, 0, 0, (stored ? e.forStoredJob() : e).getMessage(), e);
    } catch (TrainingException | ConfigException e) {
      throw e; // the feature size, checked before the rows are decoded
    } catch (Exception e) {
      // Spark's read failures (a SparkException, checked but undeclared) name the file, not why
      throw readFailure(e);
    }
    try {
      checkBatchesFitModel(data);
    } catch (ConfigException e) {
      data.unpersist();
      throw e;
    }
    warnOfShortShards(data);
    return data;
  }

  /**
   * The job's held-out rows ({@code data.validation_path}), loaded and checked as the training
   * rows are (same format, columns, label range and {@code data.bad_rows}), in as many shards as
   * the job has workers; empty when the job has none.
   *
   * @param newJob whether the job directory holds no job yet (a failure then says nothing was
   *     written; otherwise it names the resume that gives the job other held-out rows)
   * @param givenAnew whether a resume gives the stored job rows it never measured: read strictly, as a new
   *     job's are (a json line of several values refused), not as the job measured its own
   * @throws TrainingException ({@link FailureReason#BAD_INPUT}) when they cannot be used or their
   *     rows do not fit the model
   */
  java.util.Optional<LoadedDataset> heldOut(boolean newJob, boolean givenAnew) throws TrainingException {
    java.util.Optional<String> given = spec.validationPathText();
    if (given.isEmpty()) {
      return java.util.Optional.empty();
    }
    String advice = newJob ? TrainingJob.NOTHING_WRITTEN + spec.jobDirText() + ": fix them or "
        + JobKeys.DATA_VALIDATION_PATH + " and train again)"
        : "; or " + io.epochal.driver.config.HeldOutAdvice.of(spec.toHyperParameters(),
            io.epochal.driver.config.ShellWords.location(new org.apache.hadoop.fs.Path(spec.jobDir())));
    // where they lie was checked with the spec (DataPathCheck)
    return java.util.Optional.of(labelledRows(JobKeys.DATA_VALIDATION_PATH, "held-out rows", "evaluated after every "
        + "epoch", advice, !newJob, !newJob && !givenAnew));
  }

  /**
   * The labelled rows at the spec's {@code data.validation_path}, loaded and checked as {@link
   * #heldOut} loads them, every failure naming them as {@code key} (a job key, or a command's
   * option) and ending with {@code advice}; {@code what} and {@code use} say what they are and what
   * they are for in the progress line.
   */
  LoadedDataset labelledRows(String key, String what, String use, String advice) throws TrainingException {
    // the job's own held-out rows (evaluate without --input) read as its epochs measured them
    return labelledRows(key, what, use, advice, false, JobKeys.DATA_VALIDATION_PATH.equals(key));
  }

  /**
   * As {@link #labelledRows(String, String, String, String)}, of a stored job's rows when {@code stored}, read as it
   * measured them when {@code asMeasured} (a json line of several values not refused).
   */
  private LoadedDataset labelledRows(String key, String what, String use, String advice, boolean stored,
      boolean asMeasured) throws TrainingException {
    String path = JobSpecResolver.locationText(new org.apache.hadoop.fs.Path(spec.validationPathText()
        .orElseThrow(() -> new IllegalStateException(JobKeys.DATA_VALIDATION_PATH + " is not set"))));
    DataOptions options = DataOptions.fromJobSpec(spec).withPath(path);
    if (asMeasured) {
      options = options.asStoredJobs();
    } else if (stored || !JobKeys.DATA_VALIDATION_PATH.equals(key)) {
      // rows given anew to a stored job, and a command's own rows, are read strictly, also for a job created before
      // json lines were checked
      options = options.withJsonLinesChecked();
    }
    if (!JobKeys.DATA_VALIDATION_PATH.equals(key)) {
      // rows of a command's own (evaluate --input) are read strictly, a line of too few or too many cells a bad
      // row; a job made before that check keeps reading its held-out rows as it did, so its val_ metrics repeat
      options = options.withCsvLinesChecked();
    }
    if (spec.classification()) {
      int outputs = modelShape().outputs();
      options = options.withClasses(options.classes() == 0 ? outputs : Math.min(options.classes(), outputs));
    }
    listener.message("reading the " + what + " " + path + " (" + options.format() + "), " + use);
    int features = modelFeatures();
    try {
      LoadedDataset rows = new DatasetLoader(spark.session()).load(options, features, size -> {
        if (size != features) {
          throw new TrainingException(FailureReason.BAD_INPUT, 0, 0, key + " " + path + ": its rows have " + size
              + " features (" + JobKeys.DATA_FEATURES + ") but model " + config.modelName() + " v"
              + config.modelVersion() + " takes " + features + ": " + what + " must have the training rows' columns"
              + advice, null);
        }
      });
      if (rows.skippedRows() > 0) {
        listener.warning("data.bad_rows=skip: " + rows.skippedRows() + " bad rows of " + (rows.rows()
            + rows.skippedRows()) + " in the " + what + " " + path + " are skipped; evaluating on the " + rows.rows()
            + " usable ones" + rows.firstSkipped().map(f -> " (the first: " + f + ")").orElse(""));
      }
      return rows;
    } catch (BadInputException e) {
      // rows a command's option names (--input) skip bad rows by its --bad-rows, not by data.bad_rows
      // a stored job's data.bad_rows cannot change: the rows can
      throw new TrainingException(FailureReason.BAD_INPUT, 0, 0, key + " " + path + ": " + (key.startsWith("--")
          ? e.forPredict() : stored ? e.forStoredJobsHeldOut() : e).getMessage() + advice, e);
    } catch (ConfigException e) {
      String said = DataAdvice.heldOut(spec, key, e.getMessage().replace("data.path " + path, key + " " + path)
          .replace("point data.path at", "point " + key + " at"));
      throw new TrainingException(FailureReason.BAD_INPUT, 0, 0, (said.startsWith(key) ? said : key + " " + path
          + ": " + said) + advice, e);
    } catch (TrainingException e) {
      throw e;
    } catch (Exception e) {
      TrainingException failure = readFailure(e);
      throw new TrainingException(failure.reason(), 0, 0, failure.getMessage().replace("data.path "
          + spec.dataPathText(), key + " " + path), e);
    }
  }

  /**
   * A failure reading the data as a training failure: a file changed without its checksum file
   * (Hadoop's local file system checks {@code .<name>.crc} next to each file) is bad input naming
   * both; anything else is classified as a round's failure would be.
   */
  /**
   * The checksum file of the file a {@link org.apache.hadoop.fs.ChecksumException}'s {@code message}
   * names ({@code Checksum error: <file> at <offset> ...}): {@code .<name>.crc} in its directory.
   */
  static String checksumFileOf(String message) {
    String prefix = "Checksum error: ";
    int start = message == null ? -1 : message.indexOf(prefix);
    int end = start < 0 ? -1 : message.indexOf(" at ", start + prefix.length());
    if (end < 0) {
      return "the hidden .<file name>.crc beside it";
    }
    org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(message.substring(start + prefix.length(), end));
    return new org.apache.hadoop.fs.Path(file.getParent(), "." + file.getName() + ".crc").toString();
  }

  private TrainingException readFailure(Exception e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.apache.hadoop.fs.ChecksumException) {
        return new TrainingException(FailureReason.BAD_INPUT, 0, 0, "data.path " + spec.dataPathText() + ": "
            + t.getMessage() + ": a data file no longer matches its checksum file (" + checksumFileOf(t.getMessage())
            + "), as when a file is edited in place by a tool that does not update it: restore the file, or delete "
            + "its .crc file if the new content is meant", e);
      }
    }
    String unreadable = io.epochal.driver.data.InputFormats.unreadableFile(e);
    if (unreadable != null) {
      return new TrainingException(FailureReason.BAD_INPUT, 0, 0, "data.path " + spec.dataPathText() + ": cannot "
          + "read file " + unreadable + ": " + io.epochal.driver.data.InputFormats.unreadableAdvice(unreadable), e);
    }
    if (e instanceof RuntimeException) {
      throw (RuntimeException) e;
    }
    return new TrainingException(FailureClassifier.ofRound(e), 0, 0, "cannot read data.path "
        + spec.dataPathText() + ": " + FailureClassifier.rootCause(e), e);
  }

  /**
   * Refuses data whose worker shards would give a training batch smaller than the model can train
   * on ({@link EpochalModel#minTrainingBatch}), before anything trains: every epoch would fail on it,
   * and retries and resumes with the same spec the same way.
   */
  private void checkBatchesFitModel(LoadedDataset data) {
    int min = modelShape().minBatch();
    int batch = spec.batchSize();
    BatchPlan plan = new BatchPlan(batch, 1); // how a worker's epoch is cut into batches
    for (int w = 0; w < data.workers() && min > 1; w++) {
      int rows = Math.toIntExact(data.rowsOf(w));
      int last = plan.stepsPerEpoch(rows) - 1;
      int smallest = last < 0 ? min : plan.batchEnd(rows, last) - plan.batchStart(last);
      if (smallest < min) {
        throw new ConfigException(JobKeys.BATCH_SIZE, "model " + config.modelName() + " v" + config.modelVersion()
            + " trains on batches of at least " + min + " samples, but worker " + w + "'s shard of " + rows
            + " rows with " + JobKeys.BATCH_SIZE + "=" + batch + " leaves a batch of " + smallest + " in every "
            + "epoch; choose a train.batch_size (or a number of rows or train.workers) that leaves none smaller "
            + "(worker/MODELS.md says which model settings need this)");
      }
    }
  }

  /**
   * Warns when a worker's shard holds fewer rows than an optimizer step takes ({@code train.batch_size}, times
   * {@code train.accumulate_grad_batches}): each of its epochs is then one step on all its rows, a smaller one
   * than the job asks for.
   */
  private void warnOfShortShards(LoadedDataset data) {
    int accumulate = spec.accumulateGradBatches();
    long perStep = (long) spec.batchSize() * accumulate;
    int shorter = 0;
    long fewest = Long.MAX_VALUE;
    for (int w = 0; w < data.workers(); w++) {
      if (data.rowsOf(w) < perStep) {
        shorter++;
        fewest = Math.min(fewest, data.rowsOf(w));
      }
    }
    if (shorter == 0) {
      return;
    }
    String of = shorter + " of " + data.workers() + " workers' shards hold fewer rows than ";
    String smallest = " (the smallest " + fewest + " of " + data.rows() + " rows): ";
    listener.warning(accumulate == 1 ? of + JobKeys.BATCH_SIZE + "=" + spec.batchSize() + smallest + "each epoch is "
        + "one short batch on such a worker; fewer workers or a smaller batch size keep batches full"
        : of + "an optimizer step takes, " + JobKeys.BATCH_SIZE + "=" + spec.batchSize() + " x "
        + JobKeys.ACCUMULATE_GRAD_BATCHES + "=" + accumulate + " = " + perStep + smallest + "each epoch is one "
        + "optimizer step of fewer samples on such a worker; fewer workers or fewer batches per step keep steps full");
  }

  /**
   * Refuses a regression loss on a model of more than one output, and class weights of another number than its
   * outputs, before anything trains: a row's label is one number, which a loss such as {@code mse} compares with a
   * single output; {@code loss.class_weights} weighs each class the model predicts.
   *
   * @param stored whether the job directory already holds this spec (then only a new one can fix it)
   */
  void checkLossFitsModel(boolean stored) {
    int outputs = modelShape().outputs();
    String fix = stored ? " (" + spec.jobDirText() + " already holds this spec: train the fixed one in a new job.dir)"
        : " (nothing was written to " + spec.jobDirText() + ")";
    if (!spec.classification() && outputs != 1) {
      throw new ConfigException(JobKeys.LOSS, LossKeys.regressionOutputs(spec.loss(), config.modelName(),
          config.modelVersion(), outputs) + fix);
    }
    int weights = config.lossConfig().classWeights().length;
    if (weights > 0 && weights != outputs) {
      throw new ConfigException(LossKeys.CLASS_WEIGHTS, LossKeys.CLASS_WEIGHTS + " = "
          + LossKeys.text(spec.toHyperParameters())
          + LossKeys.countMismatch(weights, config.modelName(), config.modelVersion(), outputs) + fix);
    }
  }

  /** The model's outputs: a classification's classes. */
  int outputs() {
    return modelShape().outputs();
  }

  /** The model's input shape and output count, from one instance built once. */
  private ModelShape modelShape() {
    if (modelShape == null) {
      modelShape = ModelShape.of(config);
    }
    return modelShape;
  }

  /** Features per sample the model takes: the product of its input shape. */
  private int modelFeatures() {
    long size = 1;
    for (long d : modelShape().input()) {
      size *= d;
    }
    return Math.toIntExact(size);
  }

  private void checkFeatures(int featureSize, boolean stored) throws TrainingException {
    long[] shape = modelShape().input();
    long size = modelFeatures();
    if (featureSize != size && spec.dataFeatureSize() == featureSize) {
      // the spec against itself: data.feature_size says how many features to read, not what the data holds
      throw new ConfigException(JobKeys.DATA_FEATURE_SIZE, JobKeys.DATA_FEATURE_SIZE + " = " + featureSize
          + " but model " + config.modelName() + " v" + config.modelVersion() + " takes " + size + " features per "
          + "sample " + Arrays.toString(shape) + ": they must agree; " + (stored ? "this job's keys cannot change: "
          + "train a new job.dir for other ones" : "leave " + JobKeys.DATA_FEATURE_SIZE + " out (0: taken from the "
          + "first row) or give the model's count"));
    }
    if (featureSize != size) {
      throw new TrainingException(FailureReason.BAD_INPUT, 0, 0, FEATURE_MISMATCH + featureSize
          + (featureSize == 1 ? " feature" : " features") + " per row (" + JobKeys.DATA_FEATURES + ") but model "
          + config.modelName() + " v" + config.modelVersion() + " takes " + size + " per sample " + Arrays.toString(shape)
          + (stored ? "; this job's model cannot change: give it data with " + size + " features per row (resume "
          + "--data <path>), or train on this data in a new job.dir"
          : "; make the model's input hyperparameters (e.g. model.input_dim, model.image_size) match the data, "
          + "or name other feature columns"), null);
    }
  }

  /**
   * Refuses to resume on data other than the checkpoint was trained on: the same rows in the same
   * order are what makes a resumed run equal an uninterrupted one. The usable rows are compared by count and
   * digest; bad rows take no place among them, so bad rows removed or added since are only said, but for a checkpoint
   * without a digest, whose bad rows are compared too (checkpoints written before the counts were recorded are not
   * checked).
   */
  void checkSameData(long epoch, String checkpoint, Map<String, Double> metrics, String dataDigest,
      LoadedDataset data) throws TrainingException {
    Double rows = metrics.get(EpochMetrics.DATA_ROWS);
    Double skipped = metrics.get(EpochMetrics.SKIPPED_ROWS);
    if (rows == null || skipped == null) {
      return;
    }
    boolean skippedSame = skipped.longValue() == data.skippedRows();
    if (rows.longValue() != data.rows() || dataDigest == null && !skippedSame) {
      throw new TrainingException(FailureReason.BAD_INPUT, Math.toIntExact(epoch), 0, "data.path " + spec.dataPathText()
          + " has " + data.rows() + " usable rows (" + data.skippedRows() + " bad) now, but checkpoint "
          + JobSpecResolver.locationText(checkpoint) + " was trained on " + rows.longValue() + " (" + skipped.longValue() + " bad): the "
          + "data changed since the job started, and a resume would not continue the same training; restore the "
          + "data and resume, or train on the new data in a new job.dir", null);
    }
    if (dataDigest != null && !dataDigest.equals(data.digest())) {
      throw new TrainingException(FailureReason.BAD_INPUT, Math.toIntExact(epoch), 0, "data.path " + spec.dataPathText()
          + " has the " + data.rows() + " usable rows checkpoint " + JobSpecResolver.locationText(checkpoint)
          + " was trained on, but not the "
          + "same values or order (data_sha256 " + dataDigest + " in its manifest, " + data.digest() + " now): the "
          + "data changed since the job started, or its files did (" + (spec.rowsByFileName()
          ? "rows come in the order of the files' names, so the same rows in files of other names"
          : "data.row_order=spark_read: Spark reads the larger files first and files of one size as the file "
          + "system lists them, so the same rows in other files or on another disk")
          + " come in another order), and a resume would not continue the same training; "
          + "restore the data as it was and resume, or train on the new data in a new job.dir", null);
    }
    if (!skippedSame) {
      listener.warning("data.path " + spec.dataPathText() + " has " + data.skippedRows() + " bad rows now, "
          + skipped.longValue() + " when checkpoint " + JobSpecResolver.locationText(checkpoint) + " was trained: "
          + "bad rows take no place among the usable ones, and these are the same usable rows (data_sha256), so the "
          + "resume continues the same training");
    }
  }
}
