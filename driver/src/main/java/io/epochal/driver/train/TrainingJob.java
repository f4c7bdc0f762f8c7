package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.checkpoint.CheckpointException;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.driver.aggregate.AggregateResult;
import io.epochal.driver.aggregate.NonFiniteStateException;
import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.EpochMetrics;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.data.LoadedDataset;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkJobs;
import io.epochal.job.JobEventType;
import io.epochal.tensor.StateDict;
import io.epochal.worker.round.BatchPlan;
import io.epochal.worker.round.TrainingConfig;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coordinates a training job: takes the job's lease, writes {@code job.json} once (a resume with
 * other hyperparameters is refused with the differing keys), continues after the newest verified
 * checkpoint, trains epochs of rounds through Spark, and commits a checkpoint after every epoch in
 * the background while the next epoch trains. A retryable failure reloads the newest verified
 * checkpoint and tries again, up to {@code retry.max_attempts} with exponential backoff.
 */
public final class TrainingJob {

  private static final String DATA_ROWS = EpochMetrics.DATA_ROWS;
  private static final String SKIPPED_ROWS = EpochMetrics.SKIPPED_ROWS;
  private static final Logger LOG = LoggerFactory.getLogger(TrainingJob.class);
  /** How the failure of a new job that wrote nothing says so, followed by its job directory. */
  public static final String NOTHING_WRITTEN = " (nothing was written to ";
  /** About how long one chain of single-worker rounds runs (see {@link #chainLength}). */
  static final long CHAIN_NANOS = 2_000_000_000L;

  private final JobSpec spec;
  private final EpochalSpark spark;
  private final TrainingListener listener;
  private final Configuration hadoopConf;
  private final io.epochal.job.JobSpec amendedFrom;
  private final TrainingConfig config;
  private final JobData jobData;
  /** A new job's data, loaded before its job directory was written; used by the first attempt. */
  private LoadedDataset preloaded;
  /**
   * A reopened job's newest verified checkpoint, found (loaded, verified, probed) when its damaged
   * final checkpoint was detected; used by the first attempt.
   */
  private ResumePoint reopenedFrom;
  /** The newest epoch listed when {@link #reopenedFrom} was found. */
  private long reopenedNewest;
  /** Why a COMPLETED job is reopened, for its state. */
  private String reopenReason;
  /** Whether a COMPLETED job, its final checkpoint intact, is reopened only to train the epochs an amendment adds. */
  private boolean reopenedToAmend;
  /** A finished job's newest verified checkpoint, found when it had nothing to train. */
  private ResumePoint completedAt;

  private TrainingJob(Builder b) {
    this.spec = checkNotNull(b.spec, "spec");
    this.spark = checkNotNull(b.spark, "spark");
    this.listener = b.listener;
    this.hadoopConf = b.hadoopConf != null ? b.hadoopConf : spark.jsc().hadoopConfiguration();
    this.amendedFrom = b.amendedFrom;
    this.config = TrainingConfigs.of(spec);
    this.jobData = new JobData(spec, config, spark, listener);
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Runs the job to its last epoch.
   *
   * @throws TrainingException when it fails for good (attempts exhausted or not retryable)
   * @throws io.epochal.job.JobSpecMismatchException if the job directory holds another spec
   * @throws io.epochal.job.LeaseHeldException if another driver holds the job's lease
   * @throws IOException if the job directory cannot be used at all
   */
  public TrainingOutcome run() throws TrainingException, IOException {
    try (JobDirectory dir = JobDirectory.open(spec, hadoopConf, listener, amendedFrom)) {
      jobData.checkLossFitsModel(dir.hasSpec());
      if (!dir.hasSpec()) {
        // job.json lost, checkpoints kept: only the spec they were trained with may continue them
        LostJobSpec.check(spec, dir.store()).ifPresent(e -> listener.message("job.dir " + spec.jobDirText()
            + " holds no job.json but checkpoints up to epoch " + e.epoch() + " trained with this spec: writing "
            + "job.json and continuing after the newest verified one"));
        // a new job: its data is loaded and checked before job.json is written, since job.json never
        // changes and a spec that does not fit the data must stay fixable in place
        preloaded = jobData.forNewJob();
      }
      String reopen = null;
      if (dir.alreadyCompleted()) {
        Optional<TrainingOutcome> done = completed(dir);
        if (done.isPresent()) {
          if (dir.amendmentPending()) {
            amendFinished(dir);
          }
          return done.get();
        }
        // its final checkpoint is damaged, or it is to train more epochs: train after the newest verified one
        reopen = reopenReason;
      }
      dir.start(reopen);
      FailureManager failures = new FailureManager(spec.retryMaxAttempts(), spec.retryBackoffMs());
      while (true) {
        try {
          if (failures.attempts() > 1) {
            dir.confirmLease(); // a retry: is the job still this driver's?
          }
          TrainingOutcome outcome = train(dir);
          dir.complete();
          return outcome;
        } catch (RuntimeException e) {
          if (dir.shuttingDown()) {
            throw interrupted(dir, e);
          }
          throw e;
        } catch (TrainingException e) {
          if (dir.shuttingDown() && e.reason() != FailureReason.LEASE_LOST) {
            throw interrupted(dir, e); // no retry: the shutdown hook records how this run ended
          }
          dir.failure(e, failures.attempts(), spec.retryMaxAttempts());
          if (!failures.shouldRetry(e)) {
            TrainingException last = failures.finalFailure(e);
            if (reopenedToAmend && dir.amendmentPending()) {
              dir.amendmentRefused(last); // nothing changed: the job is as COMPLETED as it was
            } else {
              dir.failed(last);
            }
            throw last;
          }
          listener.warning("attempt " + failures.attempts() + " failed (" + e.reason() + "): " + e.getMessage()
              + "; reloading the newest verified checkpoint in " + failures.nextBackoffMs() + " ms");
          failures.backoff();
        }
      }
    } finally {
      if (preloaded != null) {
        preloaded.unpersist(); // not used: the job was completed or leased by another driver
        preloaded = null;
      }
    }
  }

  /**
   * Loads and checks the data of a new job as {@link #run} does before it writes the job directory
   * (columns, labels, feature count against the model, bad rows, rows for the workers), then lets
   * it go; for {@code train --dry-run}.
   *
   * @return the rows it would train on and the rows it would skip as bad
   * @throws TrainingException (BAD_INPUT) or ConfigException naming what does not fit
   */
  public long[] checkNewJobData() throws TrainingException {
    jobData.checkLossFitsModel(false);
    LoadedDataset data = jobData.forNewJob();
    try {
      return new long[] {data.rows(), data.skippedRows()};
    } finally {
      data.unpersist();
    }
  }

  /**
   * Loads and checks an existing job's data as a resume after {@code checkpoint} checks it before
   * its first round (against the model, and for the same usable and bad rows as that checkpoint
   * trained on, from its manifest's {@code metrics}), then lets it go; for the dry runs of train
   * and resume.
   *
   * @param epoch the checkpoint's epoch
   * @param checkpoint the checkpoint's directory, or null when the job has none (the data is then
   *     checked against the model only)
   * @return the rows it would train on and the rows it would skip as bad
   * @throws TrainingException (BAD_INPUT) naming what does not fit
   */
  public long[] checkResumeData(long epoch, String checkpoint, Map<String, Double> metrics) throws TrainingException {
    checkNotNull(metrics, "metrics");
    jobData.checkLossFitsModel(true);
    LoadedDataset data = jobData.forStoredJob();
    try {
      jobData.checkFeatures(data.featureSize(), true); // the spec is stored
      if (checkpoint != null) {
        jobData.checkSameData(epoch, checkpoint, metrics, data);
      }
      return new long[] {data.rows(), data.skippedRows()};
    } finally {
      data.unpersist();
    }
  }

  /** The newest epoch the store lists (damaged or not), 0 if none. */
  private static long newestListed(CheckpointStore store) throws CheckpointException {
    List<io.epochal.checkpoint.CheckpointEntry> all = store.list();
    return all.isEmpty() ? 0 : all.get(all.size() - 1).epoch();
  }

  /** The failure of a run whose JVM shuts down, whatever the training thread saw as it stopped. */
  private TrainingException interrupted(JobDirectory dir, Exception seen) {
    JobDirectory.Position at = dir.position();
    return new TrainingException(FailureReason.INTERRUPTED, at.epoch(), at.round(),
        "stopped: the driver's JVM is shutting down" + (dir.gaveUp() ? "; job " + spec.jobDirText() + " is marked FAILED (INTERRUPTED) and its lease released" : ""),
        seen);
  }

  /**
   * Amends a finished job that has nothing to train: other data is checked against its final
   * checkpoint first, then the amendment is made in an attempt of its own (lease taken, AMENDED
   * event, COMPLETED again), so the job's history records it.
   */
  private void amendFinished(JobDirectory dir) throws TrainingException, IOException {
    if (dir.amendsData()) {
      LoadedDataset data = jobData.load();
      try {
        jobData.checkSameData(completedAt.completedEpochs(), completedAt.checkpoint(), completedAt.metrics(), data);
      } finally {
        data.unpersist();
      }
    }
    dir.start("reopened: job.json amended");
    dir.applyAmendment(completedAt.completedEpochs());
    dir.complete();
  }

  /**
   * The outcome of a job that had already finished: its newest verified checkpoint, nothing
   * trained; empty when that checkpoint is not the final epoch's (the final one is damaged), and the
   * missing epochs must be trained again.
   */
  private Optional<TrainingOutcome> completed(JobDirectory dir) throws TrainingException {
    CheckpointStore store = dir.store();
    try {
      ResumePoint last = ResumePoint.find(store, config, spec.toHyperParameters(),
          CheckpointAssembler.versions(spark.jsc().version()), listener);
      if (last.completedEpochs() < spec.epochs()) {
        String epochs = (last.completedEpochs() + 1) + "-" + spec.epochs();
        if (last.damaged().isEmpty() && dir.amendedEpochs()) {
          listener.message("job " + spec.jobDirText() + " is COMPLETED after epoch " + last.completedEpochs()
              + "; its train.epochs is now " + spec.epochs() + ": reopening it to train epochs " + epochs);
          reopenReason = "reopened: train.epochs is now " + spec.epochs();
          reopenedToAmend = true;
        } else {
          // its final checkpoint is damaged or missing, or job.json was written anew with more epochs
          listener.warning("job " + spec.jobDirText() + " is COMPLETED, but its newest verified checkpoint is of epoch "
              + last.completedEpochs() + " of " + spec.epochs() + ": reopening it to train epochs " + epochs
              + (last.damaged().isEmpty() ? "" : " again")); // the damaged ones were trained once
          reopenReason = "reopened: its final checkpoint is damaged";
        }
        reopenedFrom = last;
        // latest() went newest first: the newest listed epoch is the first one it skipped, or the one it found
        reopenedNewest = last.damaged().isEmpty() ? last.completedEpochs() : last.damaged().get(0).epoch();
        return Optional.empty();
      }
      completedAt = last;
      listener.message("job " + spec.jobDirText() + " is already COMPLETED (" + last.completedEpochs() + " of "
          + spec.epochs() + " epochs); nothing to train. Newest checkpoint: " + last.checkpoint());
      return Optional.of(new TrainingOutcome(last.completedEpochs(), last.completedEpochs(), last.globalStep(),
          last.state(), store.checkpointsDir(), List.of(), 0, 0));
    } catch (CheckpointException e) {
      throw new TrainingException(FailureReason.STORAGE_UNAVAILABLE, 0, 0,
          "cannot read the checkpoints under " + store.checkpointsDir() + ": " + e.getMessage(), e);
    }
  }

  private TrainingOutcome train(JobDirectory dir) throws TrainingException {
    String sparkVersion = spark.jsc().version();
    CheckpointAssembler assembler = new CheckpointAssembler(spec, config, spec.jobName(), sparkVersion);
    CheckpointStore store = dir.store();
    ResumePoint start;
    try {
      store.cleanTemporary();
    } catch (CheckpointException e) {
      // temporary directories are never read: one that cannot be removed must not stop training
      listener.warning("could not remove a stale temporary checkpoint directory: " + e.getMessage());
    }
    try {
      // reused only if no other driver committed or moved a checkpoint before this one took the lease
      start = reopenedFrom != null && newestListed(store) == reopenedNewest ? reopenedFrom
          : ResumePoint.find(store, config, spec.toHyperParameters(), CheckpointAssembler.versions(sparkVersion),
              listener);
      reopenedFrom = null; // a retry looks for the newest verified checkpoint again
    } catch (CheckpointException e) {
      throw new TrainingException(FailureReason.STORAGE_UNAVAILABLE, 0, 0,
          "cannot read the checkpoints under " + store.checkpointsDir() + ": " + e.getMessage(), e);
    }
    for (io.epochal.checkpoint.CheckpointProblem damaged : start.damaged()) {
      if (damaged.epoch() > start.completedEpochs()) {
        dir.quarantine(damaged, start.completedEpochs());
      }
    }
    if (start.checkpoint() != null) {
      dir.event(JobEventType.RESUMED, start.completedEpochs(), 0, "resumed from " + start.checkpoint());
    }
    LoadedDataset data = preloaded;
    preloaded = null; // a retry reads the data again
    if (data == null) {
      data = jobData.forStoredJob();
    }
    try {
      jobData.checkFeatures(data.featureSize(), true); // the spec is stored
      jobData.checkSameData(start.completedEpochs(), start.checkpoint(), start.metrics(), data);
      try {
        dir.applyAmendment(start.completedEpochs()); // its data (if it moved) is what the checkpoint trained on
      } catch (IOException e) {
        throw new TrainingException(FailureReason.STORAGE_UNAVAILABLE, start.completedEpochs(), 0,
            "cannot amend the job.json of " + spec.jobDirText() + ": " + e.getMessage(), e);
      }
      if (data.skippedRows() > 0) {
        listener.warning("data.bad_rows=skip: " + data.skippedRows() + " bad rows of " + (data.rows()
            + data.skippedRows()) + " in " + spec.dataPathText() + " are skipped; training on the " + data.rows()
            + " usable ones");
      }
      return epochs(dir, assembler, start, data);
    } finally {
      data.unpersist();
    }
  }

  private TrainingOutcome epochs(JobDirectory dir, CheckpointAssembler assembler, ResumePoint start,
      LoadedDataset data) throws TrainingException {
    int maxRows = 0;
    for (int w = 0; w < data.workers(); w++) {
      maxRows = Math.max(maxRows, Math.toIntExact(data.rowsOf(w)));
    }
    BatchPlan plan = new BatchPlan(spec.batchSize(), spec.localSteps());
    int rounds = plan.roundsPerEpoch(maxRows);
    int epochs = spec.epochs();
    int reduceShards = Math.max(1, Math.min(spec.workers(), spark.slots()));
    RoundRunner runner = new RoundRunner(spark.jsc(), data.shards(), config, reduceShards);
    listener.started(start.completedEpochs(), epochs, rounds, start.checkpoint());
    StateDict state = start.state();
    long globalStep = start.globalStep();
    List<Double> losses = new ArrayList<>();
    long nanosPerRound = 0;
    long trainStart = System.nanoTime();
    try (CheckpointWriter writer = new CheckpointWriter()) {
      try {
        for (int e = start.completedEpochs(); e < epochs; e++) {
          double lossSum = 0;
          long samples = 0;
          long epochStart = System.nanoTime();
          int r = 0;
          while (r < rounds) {
            writer.checkFinished();
            dir.heartbeat(e + 1, r + 1);
            int n = runner.singleWorker() ? chainLength(rounds - r, nanosPerRound) : 1;
            long[] stepsBefore = new long[n];
            long step = globalStep;
            for (int i = 0; i < n; i++) {
              stepsBefore[i] = step;
              step += plan.stepsInRound(maxRows, r + i);
            }
            long roundStart = System.nanoTime();
            AggregateResult result = rounds(runner, state, e, r, stepsBefore, epochs, rounds);
            long nanos = System.nanoTime() - roundStart;
            nanosPerRound = nanos / n;
            state = result.state();
            globalStep = step;
            lossSum += result.lossSum();
            samples += result.samples();
            r += n;
            listener.round(e + 1, epochs, r, rounds, result.samples() / Math.max(nanos / 1e9, 1e-9), result.meanLoss());
          }
          double meanLoss = lossSum / Math.max(1, samples);
          losses.add(meanLoss);
          Map<String, Double> metrics = new LinkedHashMap<>();
          metrics.put(EpochMetrics.TRAIN_LOSS, meanLoss);
          metrics.put(EpochMetrics.SAMPLES, (double) samples);
          metrics.put(SKIPPED_ROWS, (double) data.skippedRows());
          metrics.put(DATA_ROWS, (double) data.rows());
          double epochSecs = (System.nanoTime() - epochStart) / 1e9;
          metrics.put(EpochMetrics.SAMPLES_PER_SECOND, samples / Math.max(epochSecs, 1e-9));
          listener.epoch(e + 1, epochs, meanLoss, samples / Math.max(epochSecs, 1e-9));
          final int epoch = e + 1;
          final StateDict snapshot = state;
          final long step = globalStep;
          writer.submit(epoch, () -> commit(dir, assembler, epoch, step, rounds, snapshot, metrics));
        }
        writer.await();
      } catch (TrainingException | RuntimeException | Error failure) {
        // a round of epoch e + 1 failed while epoch e was being committed: keep that epoch
        writer.finishAfter(failure);
        throw failure;
      }
      return new TrainingOutcome(epochs, start.completedEpochs(), globalStep, state, dir.store().checkpointsDir(),
          losses, writer.stallNanos(), System.nanoTime() - trainStart);
    }
  }

  /**
   * How many of the {@code left} remaining rounds of the epoch a single worker runs as one chain:
   * the count whose time at the last measured time per round comes nearest to {@link #CHAIN_NANOS}
   * (one round before anything was measured): progress still arrives about every two seconds, and
   * a Spark job's fixed cost (about 40 ms, with the broadcast and the result) stays near 2 % of the
   * chain instead of each round of a second paying 4 % for its own.
   */
  static int chainLength(int left, long nanosPerRound) {
    if (nanosPerRound <= 0) {
      return 1;
    }
    long nearest = Math.round((double) CHAIN_NANOS / nanosPerRound);
    return (int) Math.max(1, Math.min(left, nearest));
  }

  /**
   * Runs rounds {@code r..r+n-1} (0-based) of epoch {@code e}, {@code n = stepsBefore.length}: as
   * one chain on a single worker, else one round ({@code n = 1}) through the sharded aggregation.
   */
  private AggregateResult rounds(RoundRunner runner, StateDict state, int e, int r, long[] stepsBefore, int epochs,
      int rounds) throws TrainingException {
    int last = r + stepsBefore.length;
    boolean one = stepsBefore.length == 1;
    String label = SparkJobs.roundLabel(e + 1, epochs, r + 1, rounds) + (one ? "" : "\u2013" + last);
    String job = spec.jobName() + ": " + label;
    try {
      return runner.singleWorker() ? runner.runChain(state, e, r, stepsBefore, job)
          : runner.run(state, e, r, stepsBefore[0], job);
    } catch (NonFiniteStateException ex) {
      // the runner names the epoch and the round that produced the value, and what to do
      throw new TrainingException(FailureReason.NON_FINITE_STATE, e + 1, r + 1, ex.getMessage(), ex);
    } catch (Exception ex) {
      // Spark's SparkException is checked but thrown undeclared from Scala: catch every exception.
      FailureReason reason = FailureClassifier.ofRound(ex);
      String what = reason == FailureReason.WORKER_LOST ? "lost an executor" : "failed";
      String which = one ? " round " + (r + 1) : " rounds " + (r + 1) + "-" + last;
      throw new TrainingException(reason, e + 1, r + 1, "epoch " + (e + 1) + which + " " + what + ": "
          + firstLine(ex.getMessage()), ex);
    }
  }

  private CheckpointManifest commit(JobDirectory dir, CheckpointAssembler assembler, int epoch, long step,
      int rounds, StateDict state, Map<String, Double> metrics) throws TrainingException {
    try {
      long start = System.nanoTime();
      CheckpointManifest m = dir.store().commit(assembler.assemble(epoch, step, rounds, state, metrics),
          dir.commitGuard());
      java.time.Instant publishedAt = java.time.Instant.now();
      long millis = (System.nanoTime() - start) / 1_000_000;
      published(dir, epoch, m, publishedAt, millis, metrics);
      return m;
    } catch (CheckpointException | RuntimeException ex) {
      FailureReason reason = FailureClassifier.ofCommit(ex);
      String name = dir.store().checkpointsDir() + "/" + String.format("epoch-%06d", epoch);
      String why = FailureClassifier.isQuotaExceeded(ex)
          ? "the store's quota is exhausted (" + FailureClassifier.rootCause(ex) + "); raise it (for HDFS: "
              + "hdfs dfsadmin -setSpaceQuota / -clrSpaceQuota) and resume"
          : firstLine(ex.getMessage());
      String then = reason == FailureReason.LEASE_LOST
          ? "; this driver stops, the new holder continues the job"
          : "; the previous checkpoint stays the latest";
      throw new TrainingException(reason, epoch, 0, "checkpoint " + name + " was not committed: " + why + then, ex);
    }
  }

  /**
   * What follows a published checkpoint: its event, its progress line and retention. The
   * checkpoint is committed whatever happens here, so a failure is a warning, never "not
   * committed" (which would also cost the attempt).
   */
  private void published(JobDirectory dir, int epoch, CheckpointManifest m, java.time.Instant at, long millis,
      Map<String, Double> metrics) {
    String name = dir.store().checkpointsDir() + "/" + String.format("epoch-%06d", epoch);
    try {
      // the time it was published, even if this thread is held up before recording it
      dir.event(JobEventType.EPOCH_COMMITTED, at, epoch, 0, EpochMetrics.TRAIN_LOSS + "=" + metrics.get(EpochMetrics.TRAIN_LOSS));
    } catch (RuntimeException ex) {
      listener.warning("checkpoint " + name + " is committed, but its event could not be recorded: " + ex);
    }
    listener.committed(epoch, name, m.dataBytes(), millis);
    try {
      dir.applyRetention(spec, listener);
    } catch (IOException | RuntimeException ex) {
      listener.warning("checkpoint " + name + " is committed, but retention could not run: " + ex
          + "; older checkpoints are kept until the next epoch's retention");
    }
  }

  private static String firstLine(String message) {
    String m = String.valueOf(message);
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  /** Builds a {@link TrainingJob}. */
  public static final class Builder {
    private JobSpec spec;
    private EpochalSpark spark;
    private TrainingListener listener = TrainingListener.NONE;
    private Configuration hadoopConf;
    private io.epochal.job.JobSpec amendedFrom;

    private Builder() {}

    /** The resolved, validated job spec. */
    public Builder setSpec(JobSpec spec) {
      this.spec = spec;
      return this;
    }

    /** The Spark session to train on. */
    public Builder setSpark(EpochalSpark spark) {
      this.spark = spark;
      return this;
    }

    /** Progress receiver (default: none). */
    public Builder optListener(TrainingListener listener) {
      this.listener = checkNotNull(listener, "listener");
      return this;
    }

    /**
     * The stored spec that {@code spec} replaces because the job directory or its data moved (same
     * hyperparameters, new {@code job.dir} or {@code data.path}); default null, nothing moved.
     */
    public Builder optAmendedFrom(io.epochal.job.JobSpec amendedFrom) {
      this.amendedFrom = amendedFrom;
      return this;
    }

    /** Hadoop configuration for the job directory (default: Spark's). */
    public Builder optHadoopConf(Configuration conf) {
      this.hadoopConf = conf;
      return this;
    }

    /** The job. */
    public TrainingJob build() {
      return new TrainingJob(this);
    }
  }
}
