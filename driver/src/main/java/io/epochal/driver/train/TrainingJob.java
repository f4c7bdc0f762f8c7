package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.checkpoint.CheckpointException;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.data.LoadedDataset;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.job.JobEventType;
import io.epochal.worker.round.TrainingConfig;
import java.io.IOException;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Coordinates a training job: takes the job's lease, writes {@code job.json} once (a resume with
 * other hyperparameters is refused with the differing keys), continues after the newest verified
 * checkpoint, trains epochs of rounds through Spark, and commits a checkpoint after every epoch in
 * the background while the next epoch trains. A retryable failure reloads the newest verified
 * checkpoint and tries again, up to {@code retry.max_attempts} with exponential backoff; a failed
 * held-out evaluation or checkpoint write is done again from its epoch's state instead ({@link
 * InPlaceRetry}).
 */
public final class TrainingJob {

  private static final Logger LOG = LoggerFactory.getLogger(TrainingJob.class);
  /** How the failure of a new job that wrote nothing says so, followed by its job directory. */
  public static final String NOTHING_WRITTEN = " (nothing was written to ";
  /**
   * How an amendment event that takes back the one before it says so: that amendment was recorded but not written to
   * job.json, so neither changed the job.
   */
  public static final String AMENDMENT_TAKEN_BACK = " (taken back: ";

  private final JobSpec spec;
  private final EpochalSpark spark;
  private final TrainingListener listener;
  private final Configuration hadoopConf;
  private final io.epochal.job.JobSpec amendedFrom;
  private final StopHooks stopHooks;
  private final TrainingConfig config;
  private final JobData jobData;
  private final StartingWeights starting;
  /** {@link #run} cleared the thread's interrupt to record an INTERRUPTED stop, and sets it again. */
  private boolean interruptCleared;
  /** The in-place retry of the attempt under way, once it made one: where its last work began. */
  private InPlaceRetry inPlace;
  /** A job without job.json: its checks, and its rows loaded before job.json is written for the first attempt. */
  private final NewJobStart newJob;
  /** How a COMPLETED job whose final epoch is not its newest verified checkpoint's trains again; null otherwise. */
  private Reopening reopening;
  /** Whether the heap was compared with the job's state this run ({@link HeapWatch#shortfall}). */
  private boolean heapChecked;
  /** Epochs complete when this run's first attempt started (-1 before): a retry reloads a later one. */
  private int runStartedFrom = -1;

  private TrainingJob(Builder b) {
    this.spec = checkNotNull(b.spec, "spec");
    this.spark = checkNotNull(b.spark, "spark");
    this.listener = b.listener;
    this.hadoopConf = b.hadoopConf != null ? b.hadoopConf : spark.jsc().hadoopConfiguration();
    this.amendedFrom = b.amendedFrom;
    this.stopHooks = b.stopHooks;
    this.config = TrainingConfigs.of(spec);
    this.jobData = new JobData(spec, config, spark, listener);
    this.starting = new StartingWeights(spec, config, hadoopConf, listener);
    this.newJob = new NewJobStart(spec, spark, hadoopConf, jobData, starting, listener);
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
    try {
      return runJob();
    } finally {
      if (interruptCleared) {
        Thread.currentThread().interrupt(); // for the caller that interrupted the job
      }
    }
  }

  /**
   * Clears the calling thread's interrupt after {@code stop}, an INTERRUPTED stop, until {@link #run} returns: the
   * job's failure, event and lease release are written to storage, which refuses an interrupted thread's writes.
   */
  private void clearInterrupt(TrainingException stop) {
    if (stop.reason() == FailureReason.INTERRUPTED && Thread.interrupted()) {
      interruptCleared = true;
    }
  }

  private TrainingOutcome runJob() throws TrainingException, IOException {
    // the engine starts with the job's intra-op thread count, before this driver first uses it (a
    // resume checks its checkpoint's probe first): otherwise it starts with one thread per core, and
    // a local executor thread that reads that count before the first round sets the job's could
    // change the global math-library count under another thread's matrix product
    io.epochal.worker.model.EngineSettings.configureThreads(config.threads());
    JobDirectory[] opened = new JobDirectory[1];
    try (JobDirectory dir = JobDirectory.open(spec, hadoopConf, listener, amendedFrom).withStopHooks(stopHooks)) {
      opened[0] = dir;
      jobData.checkLossFitsModel(dir.specFile().exists());
      if (!dir.specFile().exists()) {
        newJob.prepare(dir); // a new job, or one whose job.json was lost
      }
      String reopen = null;
      // job.json is the first write (or read, when it exists): a NameNode in safe mode is waited for here
      if (StorageWait.starting(dir, dir::alreadyCompleted, spec.retryStorageWaitMs(), listener)) {
        FinishedJob finished = FinishedJob.find(dir, spec, config, spark.jsc().version(), newJob.specRewritten(),
            listener, starting);
        if (finished.reopening().isEmpty()) {
          if (dir.specFile().amendmentPending()) {
            finished.amend(dir, jobData, () -> retain(dir), listener);
          }
          return finished.outcome();
        }
        // its final checkpoint is damaged, or it is to train more epochs: train after the newest verified one
        reopening = finished.reopening().get();
        reopen = reopening.reason();
      }
      String reopenReason = reopen;
      StorageWait.starting(dir, () -> {
        try (StallWatch.Wait w = StallWatch.of(listener).begin("the lease of " + spec.jobDirText() + " to be taken "
            + "(a file system that does not answer holds it up)")) {
          dir.start(reopenReason);
        }
        return null;
      }, spec.retryStorageWaitMs(), listener);
      FailureManager failures = new FailureManager(spec.retryMaxAttempts(), spec.retryBackoffMs());
      TrainingOutcome trained;
      while (true) {
        StopCauses.Window attempt = StopCauses.Window.begin(spark);
        inPlace = null;
        try {
          if (failures.attempts() > 1) {
            // a retry: is the job still this driver's, and does its storage take writes (else wait for it)?
            StorageWait.of(dir, spec.retryStorageWaitMs(), listener).await();
          }
          TrainingOutcome outcome;
          try {
            outcome = train(dir, failures);
          } catch (OutOfMemoryError oom) {
            JobDirectory.Position at = dir.position();
            throw new TrainingException(FailureReason.DRIVER_OUT_OF_MEMORY, at.epoch(), at.round(), "the driver's JVM "
                + "ran out of heap (" + oom.getMessage() + "); " + HeapWatch.advice(), oom);
          }
          if (outcome.epochs() == outcome.resumedFrom()) {
            retain(dir); // a run that committed something ran retention after each commit
          }
          trained = outcome;
          break;
        } catch (RuntimeException | LinkageError e) {
          if (dir.outcome().shuttingDown()) { // the shutdown hook records how this run ended
            if (e instanceof RuntimeException) {
              throw StopCauses.interrupted(dir, spec, (RuntimeException) e);
            }
            throw e;
          }
          // an internal error (a defect, a native library that does not load): not retried, but the job is marked
          // FAILED with it, not left RUNNING for status to call its driver gone
          JobDirectory.Position at = dir.position();
          TrainingException internal = new TrainingException(FailureReason.TASK_FAILED, at.epoch(), at.round(),
              "internal error, not retried: " + FailureClassifier.rootCause(e), e);
          dir.failure(internal, failures.attempts(), spec.retryMaxAttempts(), false);
          markFailed(dir, internal);
          throw e;
        } catch (TrainingException thrown) {
          // judged by what happened since the work that failed began (a round, a commit), else since the attempt did
          InPlaceRetry retried = inPlace;
          TrainingException e = (retried == null ? attempt : retried.windowOf(thrown).orElse(attempt)).judge(thrown,
              spark);
          clearInterrupt(e);
          if (dir.outcome().shuttingDown() && e.reason() != FailureReason.LEASE_LOST) {
            throw StopCauses.interrupted(dir, spec, e); // no retry: the shutdown hook records how this run ended
          }
          dir.failure(e, failures.attempts(), spec.retryMaxAttempts(), false);
          java.util.Optional<FailureManager.Retry> retry = failures.claimRetry(e); // checked and counted at once
          if (retry.isEmpty()) {
            TrainingException last = failures.finalFailure(e);
            markFailed(dir, last);
            throw last;
          }
          listener.warning("attempt " + retry.get().failedAttempt() + " failed (" + e.reason() + "): " + e.getMessage()
              + "; reloading the newest verified checkpoint in " + retry.get().waitMs() + " ms");
          try {
            failures.backoff(retry.get(), e);
          } catch (TrainingException interrupted) {
            clearInterrupt(interrupted);
            dir.failure(interrupted, failures.attempts(), spec.retryMaxAttempts(), false);
            markFailed(dir, interrupted);
            throw interrupted;
          }
          if (dir.outcome().shuttingDown()) {
            // a stop came while the retry waited: it keeps the state after the newest round and gives the job up; a
            // new attempt would remove that state's write in flight as a stale temporary directory
            throw StopCauses.interrupted(dir, spec, e);
          }
        }
      }
      end(dir, trained, spec.retryStorageWaitMs(), listener);
      return trained.withResumedFrom(runStartedFrom >= 0 ? runStartedFrom : trained.resumedFrom());
    } catch (TrainingException e) {
      // closing the job directory waited for a stop that was still running when e was made: it may have said
      // how the job ended and how to continue it since
      JobDirectory dir = opened[0];
      throw e.reportedByStop() || dir == null || !dir.stopReported() ? e
          : new TrainingException(e.reason(), e.epoch(), e.round(), e.getMessage(), e.getCause(), true);
    } finally {
      newJob.release(); // not used: the job was completed or leased by another driver
    }
  }

  /**
   * Ends the job of {@code dir} that {@code trained} every epoch of: not an attempt that may fail and be retried,
   * only a mark to write, waiting up to {@code patienceMs} for storage ({@link StorageWait#finishing}); for a job
   * stopped early, after job.json's train.epochs is amended to its last epoch (whose checkpoint is committed), in the
   * same wait.
   */
  static void end(JobDirectory dir, TrainingOutcome trained, long patienceMs, TrainingListener listener)
      throws IOException, TrainingException {
    // marked by this driver only when its early stop, if any, is the job's
    boolean ours = StorageWait.finishing(dir, () -> trained.stoppedEarly().isEmpty()
        || dir.stopEarly(trained.epochs(), trained.stoppedEarly().get()), patienceMs, listener);
    if (!ours) { // its early stop is not the job's: the new holder decides where the job ends
      throw new TrainingException(FailureReason.LEASE_LOST, trained.epochs(), 0, "another driver took the lease of "
          + dir.spec().jobDirText() + " before this one recorded that the job stopped early after epoch "
          + trained.epochs() + "; this driver stops, the new holder continues the job", null);
    }
  }

  /**
   * Marks the job FAILED with {@code last} (COMPLETED again when this run only reopened it to amend
   * it and changed nothing); a state that cannot be written is a warning, never hiding {@code last}.
   */
  private void markFailed(JobDirectory dir, TrainingException last) {
    try {
      if (reopening != null && reopening.toAmend() && dir.specFile().amendmentPending()) {
        dir.outcome().amendmentRefused(last); // nothing changed: the job is as COMPLETED as it was
      } else {
        dir.outcome().failed(last);
      }
    } catch (IOException | RuntimeException io) {
      // the failure is the news: a state that cannot be written (the store failing) must not hide it
      listener.warning("cannot record the failure in " + spec.jobDirText() + "'s state.json (" + FailureClassifier.rootCause(io)
          + "): status shows the job RUNNING, and LOST once its lease expires");
    }
  }

  /**
   * Applies retention at the end of a run: a run that committed nothing (its job was trained, or
   * only amended) still deletes what the policy no longer keeps, as a stopped run's would have.
   */
  private void retain(JobDirectory dir) {
    try {
      dir.applyRetention(spec, listener);
    } catch (IOException | RuntimeException e) {
      listener.warning("retention could not run: " + e + "; older checkpoints are kept until the next commit's");
    }
  }

  /**
   * Removes what commits and deletions that never ended left, in the job's checkpoints and its mid-epoch series (a
   * driver killed while it wrote one, a retention that failed half-way), holding the lease; a failure is a warning.
   */
  static void cleanTemporary(CheckpointStore store, MidEpochCheckpoints mid, TrainingListener listener) {
    try {
      store.cleanTemporary();
    } catch (CheckpointException e) {
      // temporary directories are never read: one that cannot be removed must not stop training
      listener.warning("could not remove a stale temporary checkpoint directory: " + e.getMessage());
    }
    mid.cleanTemporary(); // the mid-epoch series' own, under <job>/mid-epoch
  }

  private TrainingOutcome train(JobDirectory dir, FailureManager failures) throws TrainingException {
    try (MidEpochCheckpoints mid = MidEpochCheckpoints.open(spec, dir, listener)) {
      return train(dir, failures, mid);
    } catch (IOException e) {
      throw new TrainingException(FailureReason.STORAGE_UNAVAILABLE, 0, 0, "cannot open the mid-epoch checkpoints "
          + "of " + spec.jobDirText() + ": " + e.getMessage(), e);
    }
  }

  private TrainingOutcome train(JobDirectory dir, FailureManager failures, MidEpochCheckpoints mid)
      throws TrainingException {
    String sparkVersion = spark.jsc().version();
    CheckpointStore store = dir.store();
    ResumePoint start;
    if (dir.outcome().shuttingDown()) {
      // a stop came while this attempt waited to begin (a retry's backoff, its wait for storage): the stop keeps the
      // state after the newest round, whose temporary directory the cleaning below would remove as it is written
      throw StopCauses.interrupted(dir, spec, new IllegalStateException("stopped before the attempt began"));
    }
    cleanTemporary(store, mid, listener);
    try (StallWatch.Wait w = StallWatch.of(listener).begin("the newest verified checkpoint under "
        + JobSpecResolver.locationText(store.checkpointsDir()) + " to be read (every file is hashed; a file system "
        + "that does not answer holds it up)")) {
      Optional<ResumePoint> reopened = reopening == null ? Optional.empty() : reopening.start(store);
      start = reopened.isPresent() ? reopened.get() : ResumePoint.find(store, config, spec.toHyperParameters(),
          CheckpointAssembler.versions(sparkVersion), listener, starting, mid);
      runStartedFrom = runStartedFrom >= 0 ? runStartedFrom : start.completedEpochs();
      reopening = reopening == null ? null : reopening.retried(); // a retry looks for the newest verified one again
    } catch (CheckpointException e) {
      if (FailureClassifier.find(e, io.epochal.safetensors.SafetensorsHeapException.class) != null) {
        // an intact checkpoint this heap cannot index: a retry in this JVM fails the same way
        throw new TrainingException(FailureReason.DRIVER_OUT_OF_MEMORY, 0, 0, "cannot read the checkpoints under "
            + JobSpecResolver.locationText(store.checkpointsDir()) + ": " + e.getMessage(), e);
      }
      throw new TrainingException(FailureReason.STORAGE_UNAVAILABLE, 0, 0,
          "cannot read the checkpoints under " + JobSpecResolver.locationText(store.checkpointsDir()) + ": " + e.getMessage(), e);
    }
    // what cannot be continued is refused before damaged checkpoints are moved aside, job.json is amended and
    // retention runs
    start.plateau(spec.scheduleName(), config);
    start.moveDamagedAside(dir, listener);
    if (start.checkpoint() != null) {
      // inside an epoch, its round is the last one the mid-epoch checkpoint holds
      dir.event(JobEventType.RESUMED, start.completedEpochs(), start.roundsDone(), "resumed from "
          + start.checkpoint() + (start.roundsDone() > 0 ? " (rounds 1-" + start.roundsDone() + " of epoch "
          + (start.completedEpochs() + 1) + " done)" : ""));
    } else if (!start.damaged().isEmpty()) {
      // every checkpoint was damaged and moved aside: the epochs they held are given up, not deleted by retention
      dir.event(JobEventType.RESUMED, 0, 0, "restarted from the start: every checkpoint was damaged (moved aside)");
    }
    if (!newJob.holdsData() && start.completedEpochs() >= spec.epochs() && start.roundsDone() == 0
        && !dir.specFile().amendsData() && !dir.specFile().amendsHeldOut()) {
      // its final commit's driver ended before marking it: no rows to read
      TrainingOutcome done = FinishedJob.allCommitted(dir, start, listener);
      mid.removeDeferred(); // after the amendment that ends the job before them
      return done;
    }
    LoadedDataset data = newJob.takeData(); // a retry reads the data again
    if (data == null) {
      data = jobData.forStoredJob();
    }
    LoadedDataset heldOut = null;
    try {
      jobData.checkSameData(start.completedEpochs(), start.checkpoint(), start.metrics(), start.dataDigest(), data);
      if (start.roundsDone() > 0) { // before the amendment and retention, as the data check
        EpochLoop.checkSameRounds(start, EpochLoop.roundsPerEpoch(config, data));
      }
      // before the amendment: held-out rows a resume's --set names that do not fit leave job.json as it was
      heldOut = newJob.takeHeldOut(); // a retry reads them again
      // rows a resume gives are checked before they are written to job.json, even with nothing to train
      if (heldOut == null && (start.completedEpochs() < spec.epochs() || dir.specFile().amendsHeldOut())) {
        heldOut = jobData.heldOut(false, dir.specFile().givesNewHeldOut()).orElse(null);
      }
      // rows that will be evaluated, or that job.json will name (a schedule plateau's rate follows theirs)
      if (start.completedEpochs() < spec.epochs() || start.roundsDone() > 0 || dir.specFile().amendsHeldOut()) {
        HeldOutRowsCheck.check(spec, start, heldOut, dir.specFile().amendsHeldOut(), listener);
      }
      try {
        dir.applyAmendment(start.completedEpochs()); // its data (if it moved) is what the checkpoint trained on
      } catch (IOException e) {
        throw new TrainingException(FailureReason.STORAGE_UNAVAILABLE, start.completedEpochs(), 0,
            "cannot amend the job.json of " + spec.jobDirText() + ": " + e.getMessage(), e);
      }
      mid.removeDeferred();
      if (reopening != null) {
        reopening.notice().ifPresent(listener::message);
        reopening = reopening.noticed();
      }
      if (start.checkpoint() != null) {
        // before training, not only after the next commit: retention keys given to this resume (a
        // lower checkpoint.keep_last on a full disk) free their space for that commit
        retain(dir);
      }
      if (data.skippedRows() > 0) {
        listener.warning("data.bad_rows=skip: " + data.skippedRows() + " bad rows of " + (data.rows()
            + data.skippedRows()) + " in " + spec.dataPathText() + " are skipped; training on the " + data.rows()
            + " usable ones" + data.firstSkipped().map(f -> " (the first: " + f + ")").orElse(""));
      }
      if (!heapChecked) { // once per run: a retry starts from a state and rows of the same size
        heapChecked = true;
        long stateBytes = start.trainingStateBytes(config);
        HeapWatch.checkHeap(stateBytes, HeapWatch.rowBytes(data) + HeapWatch.rowBytes(heldOut), spec, spark)
            .ifPresent(listener::warning);
        ExecutorMemoryCheck.check(stateBytes, spec, spark).ifPresent(listener::warning);
        if (heldOut != null) {
          HeldOutEvaluator.scoresWarning(heldOut, jobData.outputs(), io.epochal.worker.loss.Losses.isClassification(
              config.loss()), Runtime.getRuntime().maxMemory()).ifPresent(listener::warning);
        }
      }
      try (HeapStallWatch stall = new HeapStallWatch(dir.heap()::threadKilled, dir::position,
          () -> spark.jsc().cancelAllJobs(), listener::warning, System::nanoTime, HeapStallWatch.GRACE).start()) {
        inPlace = new InPlaceRetry(failures, dir, spark, spec.retryMaxAttempts(), listener,
            () -> interruptCleared = true);
        CheckpointAssembler assembler = new CheckpointAssembler(spec, config, spec.jobName(), sparkVersion,
            start.initDigest(), heldOut == null ? null : heldOut.digest());
        return new EpochLoop(spec, config, spark, listener, inPlace).run(dir, assembler, start, data, heldOut, mid);
      }
    } finally {
      data.unpersist();
      if (heldOut != null) {
        heldOut.unpersist();
      }
    }
  }

  /** Builds a {@link TrainingJob}. */
  public static final class Builder {
    private JobSpec spec;
    private EpochalSpark spark;
    private TrainingListener listener = TrainingListener.NONE;
    private Configuration hadoopConf;
    private io.epochal.job.JobSpec amendedFrom;
    private StopHooks stopHooks = StopHooks.HADOOP;
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

    /** Where the job's stop (on SIGTERM, SIGINT, exit) is registered; default: Hadoop's shutdown hook manager. */
    public Builder optStopHooks(StopHooks stopHooks) {
      this.stopHooks = checkNotNull(stopHooks, "stopHooks");
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
