package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.config.JobSpec;
import io.epochal.driver.data.LoadedDataset;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.worker.round.TrainingConfig;
import java.util.Map;

/**
 * The checks of a job's data that a run makes before it trains, made alone for the dry runs of
 * {@code train} and {@code resume}: the data is loaded on Spark, checked against the model (and,
 * for a stored job, against the rows its checkpoint trained on), then let go. Nothing is written.
 */
public final class DataCheck {

  private final JobSpec spec;
  private final TrainingConfig config;
  private final JobData jobData;
  private final org.apache.hadoop.conf.Configuration hadoopConf;
  /** A classification's rows per class, counted by {@link #checkNewJobData}; null before, or for a regression. */
  private long[] classCounts;
  private io.epochal.driver.data.SampleWeightSummary weights;

  /** The checks of {@code spec}'s data, loaded on {@code spark}. */
  public DataCheck(JobSpec spec, EpochalSpark spark) {
    this.spec = checkNotNull(spec, "spec");
    this.config = TrainingConfigs.of(spec);
    this.jobData = new JobData(spec, config, checkNotNull(spark, "spark"), TrainingListener.NONE);
    this.hadoopConf = spark.jsc().hadoopConfiguration();
  }

  /**
   * Loads and checks the data of a new job as {@link TrainingJob#run} does before it writes the job directory
   * (columns, labels, feature count against the model, bad rows, rows for the workers), counts a
   * classification's rows per class ({@link #classCounts()}), then lets it go; for {@code train --dry-run}.
   *
   * @return the rows it would train on, the rows it would skip as bad, and the bytes their cache
   *     takes ({@link HeapWatch#rowBytes})
   * @throws TrainingException (BAD_INPUT) or ConfigException naming what does not fit
   */
  public long[] checkNewJobData() throws TrainingException {
    jobData.checkLossFitsModel(false);
    LoadedDataset data = jobData.forNewJob();
    try {
      if (spec.classification()) {
        classCounts = data.classCounts(jobData.outputs());
      }
      weights = data.weights().orElse(null);
      return new long[] {data.rows(), data.skippedRows(), HeapWatch.rowBytes(data)};
    } finally {
      data.unpersist();
    }
  }

  /**
   * How many of the rows {@link #checkNewJobData} loaded hold each class, for a classification; empty before it ran,
   * or for a regression.
   */
  public java.util.Optional<long[]> classCounts() {
    return java.util.Optional.ofNullable(classCounts).map(long[]::clone);
  }

  /** What the sample weights of the rows {@link #checkNewJobData} loaded add up to; empty before, or without them. */
  public java.util.Optional<io.epochal.driver.data.SampleWeightSummary> weights() {
    return java.util.Optional.ofNullable(weights);
  }

  /**
   * Loads and checks the job's held-out rows ({@code data.validation_path}) as a run does before
   * its first epoch, gives their digest to {@code digest} ({@link HeldOutRowsCheck#check} compares it
   * with a checkpoint's), then lets them go.
   *
   * @param newJob whether the job directory holds no job yet (for the failure's advice)
   * @return the usable and the skipped held-out rows, and the bytes their cache takes; empty when
   *     the job has none
   * @throws TrainingException (BAD_INPUT) naming what does not fit, or as {@code digest} refuses them
   */
  public java.util.Optional<long[]> checkHeldOut(boolean newJob, boolean givenAnew, HeldOutDigest digest)
      throws TrainingException {
    java.util.Optional<LoadedDataset> rows = jobData.heldOut(newJob, givenAnew);
    rows.ifPresent(LoadedDataset::unpersist);
    if (rows.isPresent()) {
      digest.accept(rows.get().digest());
    }
    return rows.map(r -> new long[] {r.rows(), r.skippedRows(), HeapWatch.rowBytes(r)});
  }

  /** Takes the SHA-256 of held-out rows, and may refuse them. */
  @FunctionalInterface
  public interface HeldOutDigest {
    /** Takes {@code sha256}; refuses the rows by throwing. */
    void accept(String sha256) throws TrainingException;
  }

  /**
   * The bytes of the training state a new job of this spec starts with once its optimizer has
   * state: the model built and initialised as its first round would see it, with the optimizer's
   * tensors per parameter counted as the run's heap check counts them; for a new job's dry run.
   */
  public long freshStateBytes() {
    return ResumePoint.fresh(config).trainingStateBytes(config);
  }

  /**
   * Reads the job's starting weights ({@code init.weights}) and fits them to the model as a run
   * that starts at epoch 1 does, then lets them go.
   *
   * @param newJob whether the job directory holds no job yet (a misfit then says nothing was written)
   * @return what the run would start from ({@link io.epochal.driver.init.InitialState#describe}); empty
   *     when the job names no weights
   * @throws io.epochal.driver.config.ConfigException ({@code init.weights}) when they do not fit
   * @throws TrainingException when they cannot be read, or (BAD_INPUT) no longer fit a stored job or
   *     are not those its {@code init.json} records
   */
  public java.util.Optional<String> checkStartingWeights(boolean newJob) throws TrainingException {
    if (spec.fineTuning().weights().isEmpty()) {
      return java.util.Optional.empty();
    }
    java.util.List<String> said = new java.util.ArrayList<>();
    StartingWeights weights = new StartingWeights(spec, config, hadoopConf, new TrainingListener() {
      @Override
      public void message(String message) {
        said.add(message);
      }
    });
    if (newJob) {
      weights.checkNewJob();
    } else {
      weights.read(); // compared with init.json, which is not written
    }
    return said.stream().findFirst();
  }

  /**
   * Loads and checks an existing job's data as a resume after {@code checkpoint} checks it before
   * its first round (against the model, and for the same usable rows as that checkpoint trained on, from its
   * manifest's {@code metrics} and data digest: {@link JobData#checkSameData}), then lets it go; for the dry runs of train
   * and resume.
   *
   * @param epoch the checkpoint's epoch
   * @param checkpoint the checkpoint's directory, or null when the job has none (the data is then
   *     checked against the model only)
   * @return the rows it would train on, the rows it would skip as bad, and the bytes their cache
   *     takes
   * @throws TrainingException (BAD_INPUT) naming what does not fit
   */
  public long[] checkResumeData(long epoch, String checkpoint, Map<String, Double> metrics, String dataDigest)
      throws TrainingException {
    checkNotNull(metrics, "metrics");
    jobData.checkLossFitsModel(true);
    LoadedDataset data = jobData.forStoredJob();
    try {
      if (checkpoint != null) {
        jobData.checkSameData(epoch, checkpoint, metrics, dataDigest, data);
      }
      return new long[] {data.rows(), data.skippedRows(), HeapWatch.rowBytes(data)};
    } finally {
      data.unpersist();
    }
  }
}
