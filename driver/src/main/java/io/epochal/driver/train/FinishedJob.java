package io.epochal.driver.train;

import io.epochal.checkpoint.CheckpointException;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.config.ShellWords;
import io.epochal.driver.data.LoadedDataset;
import io.epochal.worker.round.TrainingConfig;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * A job found COMPLETED when a run starts: either its newest verified checkpoint is its final
 * epoch's, and the run has nothing to train ({@link #outcome}; an amendment of its {@code
 * job.json} is made in an attempt of its own, {@link #amend}), or it is not (the final checkpoint
 * is damaged, or the run adds epochs), and the run trains again after it ({@link #reopening}).
 */
final class FinishedJob {

  private final JobSpec spec;
  private final ResumePoint last;
  private final Reopening reopening;
  private final CheckpointStore store;

  private FinishedJob(JobSpec spec, ResumePoint last, Reopening reopening, CheckpointStore store) {
    this.spec = spec;
    this.last = last;
    this.reopening = reopening;
    this.store = store;
  }

  /**
   * Reads the newest verified checkpoint of the COMPLETED job in {@code dir}.
   *
   * @param specRewritten whether this run writes the job.json its checkpoints lost
   * @throws TrainingException ({@link FailureReason#STORAGE_UNAVAILABLE}) when the checkpoints
   *     cannot be read
   */
  static FinishedJob find(JobDirectory dir, JobSpec spec, TrainingConfig config, String sparkVersion,
      boolean specRewritten, TrainingListener listener, StartingWeights starting) throws TrainingException {
    CheckpointStore store = dir.store();
    try {
      ResumePoint last = ResumePoint.find(store, config, spec.toHyperParameters(),
          CheckpointAssembler.versions(sparkVersion), listener, starting);
      if (last.completedEpochs() < spec.epochs()) {
        return new FinishedJob(spec, last, Reopening.of(spec, last, dir.specFile().amendsEpochs(), specRewritten,
            listener), store);
      }
      listener.message("job " + spec.jobDirText() + " is already COMPLETED (" + last.completedEpochs() + " of "
          + spec.epochs() + " epochs); nothing to train (to train more: bin/epochal resume "
          + ShellWords.location(new org.apache.hadoop.fs.Path(spec.jobDir()))
          + " --epochs N). Newest checkpoint: " + JobSpecResolver.locationText(last.checkpoint()));
      return new FinishedJob(spec, last, null, store);
    } catch (CheckpointException e) {
      // an intact checkpoint whose header this heap cannot index: a larger heap, not a retry, reads it
      boolean heap = FailureClassifier.find(e, io.epochal.safetensors.SafetensorsHeapException.class) != null;
      throw new TrainingException(heap ? FailureReason.DRIVER_OUT_OF_MEMORY : FailureReason.STORAGE_UNAVAILABLE, 0,
          0, "cannot read the checkpoints under " + JobSpecResolver.locationText(store.checkpointsDir()) + ": "
          + e.getMessage(), e);
    }
  }

  /**
   * How the run trains again after the newest verified checkpoint; empty when that checkpoint is
   * the final epoch's and there is nothing to train.
   */
  Optional<Reopening> reopening() {
    return Optional.ofNullable(reopening);
  }

  /** The outcome of a run with nothing to train: the newest verified checkpoint, nothing trained. */
  TrainingOutcome outcome() {
    return new TrainingOutcome(last.completedEpochs(), last.completedEpochs(), last.globalStep(), last.state(),
        store.checkpointsDir(), List.of(), 0, 0);
  }

  /**
   * Amends the job, which has nothing to train: other data is checked against its final
   * checkpoint first, other held-out rows against its model, then the amendment is made in an
   * attempt of its own (lease taken, AMENDED event, COMPLETED again), so the job's history records
   * it; {@code retain} applies the retention keys the amendment changed now, not at a next commit
   * that may never come.
   */
  void amend(JobDirectory dir, JobData jobData, Runnable retain, TrainingListener listener)
      throws TrainingException, IOException {
    if (dir.specFile().amendsData()) {
      LoadedDataset data = jobData.forStoredJob(); // its spec cannot change: data that does not fit it is bad input
      try {
        jobData.checkSameData(last.completedEpochs(), last.checkpoint(), last.metrics(), last.dataDigest(), data);
      } finally {
        data.unpersist();
      }
    }
    if (dir.specFile().amendsHeldOut()) {
      // rows that do not fit, or that a schedule plateau's rate was set by others, leave job.json as it was
      java.util.Optional<LoadedDataset> heldOut = jobData.heldOut(false, dir.specFile().givesNewHeldOut());
      try {
        HeldOutRowsCheck.check(spec, last, heldOut.orElse(null), true, listener);
      } finally {
        heldOut.ifPresent(LoadedDataset::unpersist);
      }
    }
    dir.publishedUpTo(last.completedEpochs()); // a stop while it amends leaves it COMPLETED
    dir.start("reopened: job.json amended");
    cleanTemporary(dir, listener);
    try {
      dir.applyAmendment(last.completedEpochs());
    } catch (IOException | RuntimeException e) {
      dir.reopenFailed(e); // job.json is as it was: the job is as COMPLETED as it was
      throw e;
    }
    retain.run();
    StorageWait.finishing(dir, spec.retryStorageWaitMs(), listener);
  }

  /**
   * Removes what commits and deletions that never ended left (a retention that failed half-way says the job's next
   * start removes it), as a training run's start does, holding the lease; a failure is a warning.
   */
  private void cleanTemporary(JobDirectory dir, TrainingListener listener) {
    try (MidEpochCheckpoints mid = MidEpochCheckpoints.open(spec, dir, listener)) {
      TrainingJob.cleanTemporary(dir.store(), mid, listener);
    } catch (IOException e) { // the mid-epoch series cannot be opened: what is left there stays until a run's start
      listener.warning("could not open the mid-epoch checkpoints to remove what failed writes left: " + e.getMessage());
    }
  }

  /**
   * The outcome of a run that finds every epoch of the job committed (a driver killed after its final commit
   * left it RUNNING): its amendment is written and nothing is trained, so the job's data is not read, and the
   * job is marked COMPLETED though its data is gone.
   */
  static TrainingOutcome allCommitted(JobDirectory dir, ResumePoint start, TrainingListener listener)
      throws TrainingException {
    JobSpec spec = dir.spec();
    try {
      dir.applyAmendment(start.completedEpochs());
    } catch (IOException e) {
      throw new TrainingException(FailureReason.STORAGE_UNAVAILABLE, start.completedEpochs(), 0,
          "cannot amend the job.json of " + spec.jobDirText() + ": " + e.getMessage(), e);
    }
    listener.message("every epoch of job " + spec.jobDirText() + " is committed (newest checkpoint: "
        + JobSpecResolver.locationText(start.checkpoint()) + "); nothing to train, its data is not read");
    return new TrainingOutcome(start.completedEpochs(), start.completedEpochs(), start.globalStep(), start.state(),
        dir.store().checkpointsDir(), List.of(), 0, 0);
  }
}
