package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointException;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.driver.config.JobSpec;
import io.epochal.tensor.StateDict;
import io.epochal.worker.schedule.ReduceOnPlateau;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Commits the checkpoint of a trained epoch from its state in memory: assembles and writes it into
 * the job's store, records its event, says so and applies retention. A write that fails is tried
 * again from the same state ({@link InPlaceRetry}: the run's failure manager decides, and each try
 * counts as an attempt), after waiting for the job directory to take writes and renewing the lease
 * as any retry does; a try whose checkpoint was published although the write reported a failure
 * (a rename that went through before its answer was lost) is taken as committed once it verifies.
 * A write the file system refuses until someone acts (full, quota, read-only) is tried again for
 * up to {@code retry.storage_wait_ms}. The epoch is not trained again unless every attempt is spent.
 */
final class EpochCommit {

  private final JobSpec spec;
  private final JobDirectory dir;
  private final CheckpointAssembler assembler;
  private final InPlaceRetry retry;
  private final TrainingListener listener;
  private final MidEpochCheckpoints mid;

  EpochCommit(JobSpec spec, JobDirectory dir, CheckpointAssembler assembler, InPlaceRetry retry,
      TrainingListener listener, MidEpochCheckpoints mid) {
    this.spec = checkNotNull(spec, "spec");
    this.dir = checkNotNull(dir, "dir");
    this.assembler = checkNotNull(assembler, "assembler");
    this.retry = checkNotNull(retry, "retry");
    this.listener = checkNotNull(listener, "listener");
    this.mid = checkNotNull(mid, "mid");
  }

  /**
   * Commits the checkpoint of {@code epoch} ({@code step} optimizer steps, {@code rounds} rounds),
   * trying again from {@code state} while the run retries its failures.
   *
   * @throws TrainingException the failure that is not retried (CHECKPOINT_WRITE_FAILED, LEASE_LOST,
   *     STORAGE_UNAVAILABLE, ...): the previous checkpoint stays the latest
   */
  CheckpointManifest commit(int epoch, long step, int rounds, StateDict state, Map<String, Double> metrics,
      String dataDigest, ReduceOnPlateau plateau) throws TrainingException {
    AtomicInteger tries = new AtomicInteger();
    try {
      return retry.run(() -> {
        if (tries.getAndIncrement() > 0) {
          awaitStorage(epoch);
          Optional<CheckpointManifest> published = publishedBefore(epoch);
          if (published.isPresent()) {
            return published.get();
          }
        }
        return writeOrWait(epoch, () -> write(epoch, step, rounds, state, metrics, dataDigest, plateau));
      }, "writing the checkpoint of epoch " + epoch + " again from its state in memory, without training the epoch "
          + "again,");
    } catch (Passing e) {
      throw e.failure;
    }
  }

  /**
   * Does {@code write}; while the file system refuses it until someone acts (full, over a quota, read-only, no
   * permission: {@link FailureManager#refusedUntilFixed}), tries it again every few seconds for up to {@code
   * retry.storage_wait_ms}, saying so every 15 s ({@link StorageWait#forCommit}): freeing space commits the epoch
   * from memory, while training goes on. The wait is not an attempt.
   *
   * @throws TrainingException the refusal once the wait is over (saying how long it waited), or another failure
   */
  private CheckpointManifest writeOrWait(int epoch, InPlaceRetry.Work<CheckpointManifest> write)
      throws TrainingException {
    java.util.concurrent.atomic.AtomicReference<CheckpointManifest> written =
        new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicReference<TrainingException> refused =
        new java.util.concurrent.atomic.AtomicReference<>();
    try {
      StorageWait.forCommit(dir, () -> {
        // a driver another one took the job from stops writing into its directory at once, not after the wait
        dir.checkNotTakenOver(epoch);
        try {
          written.set(write.run());
        } catch (TrainingException e) {
          if (!FailureManager.refusedByStorage(e)) { // a storage that refuses until someone acts is waited for
            // anything else (a NameNode that does not answer) is the attempt's: its retry waits for storage with the
            // advice that fits, and first takes a checkpoint whose publish went through unanswered as committed
            throw new Passing(e);
          }
          refused.set(e);
          String action = FailureClassifier.isNamespaceQuotaExceeded(e) ? "raise its quota (hdfs dfsadmin -setQuota)"
              : FailureClassifier.isQuotaExceeded(e) ? "raise its quota (hdfs dfsadmin -setSpaceQuota)"
              : FailureClassifier.isOutOfSpace(e) ? "free space there" : "make it writable";
          throw new TrainingException(FailureReason.STORAGE_UNAVAILABLE, epoch, 0, "the checkpoint of epoch " + epoch
              + " is refused (" + FailureClassifier.rootCause(e) + "): " + action + "; the epoch's state is kept in "
              + "memory, and training goes on, while the write is tried again", e);
        }
      }, spec.retryStorageWaitMs(), listener).await();
    } catch (Passing e) {
      throw e.failure;
    } catch (TrainingException e) {
      TrainingException r = refused.get();
      if (r == null || e.reason() != FailureReason.STORAGE_UNAVAILABLE) {
        throw e;
      }
      throw spec.retryStorageWaitMs() == 0 ? r : new TrainingException(r.reason(), r.epoch(), r.round(),
          r.getMessage() + "; the write was tried again for " + spec.retryStorageWaitMs() / 1000
          + " s (retry.storage_wait_ms)", r);
    } catch (IOException e) {
      throw new TrainingException(FailureReason.CHECKPOINT_WRITE_FAILED, epoch, 0, "writing the checkpoint of epoch "
          + epoch + " failed: " + FailureClassifier.firstLine(e.getMessage()), e);
    }
    return written.get();
  }

  /** As a retry's start: renews the lease, waiting up to {@code retry.storage_wait_ms} for storage to take writes. */
  private void awaitStorage(int epoch) throws TrainingException {
    try {
      StorageWait.of(dir, spec.retryStorageWaitMs(), listener).await();
    } catch (IOException e) {
      throw new TrainingException(FailureReason.STORAGE_UNAVAILABLE, epoch, 0, "before writing the checkpoint of "
          + "epoch " + epoch + " again: " + FailureClassifier.firstLine(e.getMessage()), e);
    }
  }

  /**
   * The manifest of the checkpoint of {@code epoch} when an earlier try published it and it
   * verifies (its event, progress line and retention then follow, as for a write); empty when there
   * is none.
   *
   * @throws Passing when there is one that does not verify: it is not written again in place (the
   *     write would be refused, as the epoch exists), the run reloads, which moves it aside
   */
  private Optional<CheckpointManifest> publishedBefore(int epoch) throws TrainingException {
    java.util.List<CheckpointEntry> entries;
    try {
      entries = dir.store().list();
      for (CheckpointEntry entry : entries) {
        if (entry.epoch() != epoch || entry.isMovedAside()) {
          continue;
        }
        java.util.List<String> problems = entry.manifest().isPresent() ? dir.store().verify(entry).problems()
            : java.util.List.of(entry.manifestProblem().orElse("its manifest cannot be read"));
        if (!problems.isEmpty()) {
          throw new Passing(new TrainingException(FailureReason.CHECKPOINT_WRITE_FAILED, epoch, 0, "checkpoint "
              + entry.path() + " exists but does not verify (" + problems.get(0) + "), so it is not written again "
              + "from memory: the run reloads the newest verified checkpoint, which moves it aside", null));
        }
        listener.message("the checkpoint of epoch " + epoch + " was published by the write that reported a failure"
            + " (" + entry.path() + " verifies): taking it as committed");
        published(epoch, entry.manifest().get(), java.time.Instant.now(), 0);
        return entry.manifest();
      }
      return Optional.empty();
    } catch (CheckpointException | IllegalStateException | IllegalArgumentException e) {
      throw new TrainingException(FailureClassifier.ofCommit(e), epoch, 0, "before writing the checkpoint of epoch "
          + epoch + " again, its checkpoints could not be listed: " + FailureClassifier.firstLine(e.getMessage()), e);
    }
  }

  /**
   * A training failure carried past what would act on it, unwrapped where it is meant to surface: one the attempt
   * fails with at once, past {@link InPlaceRetry}; a write's failure {@link #writeOrWait} does not wait for, past the
   * {@link StorageWait}.
   */
  private static final class Passing extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final transient TrainingException failure;

    Passing(TrainingException failure) {
      super(failure.getMessage(), failure, false, false);
      this.failure = failure;
    }
  }

  private CheckpointManifest write(int epoch, long step, int rounds, StateDict state, Map<String, Double> metrics,
      String dataDigest, ReduceOnPlateau plateau) throws TrainingException {
    try {
      warnIfCheckpointsGone(epoch);
      long start = System.nanoTime();
      CheckpointManifest m = dir.store().commit(
          assembler.assemble(epoch, step, rounds, state, metrics, dataDigest, plateau), dir.commitGuard());
      java.time.Instant publishedAt = java.time.Instant.now();
      long millis = (System.nanoTime() - start) / 1_000_000;
      published(epoch, m, publishedAt, millis);
      return m;
    } catch (CheckpointException | RuntimeException ex) {
      FailureReason reason = FailureClassifier.ofCommit(ex);
      String name = dir.store().checkpointsDir() + "/" + String.format(Locale.ROOT, "epoch-%06d", epoch);
      String why = FailureClassifier.isNamespaceQuotaExceeded(ex)
          ? "the store's namespace quota (a count of files and directories) is exhausted ("
              + FailureClassifier.rootCause(ex) + "); raise it (for HDFS: hdfs dfsadmin "
              + "-setQuota / -clrQuota; a checkpoint takes a directory and a few files) and resume"
          : FailureClassifier.isQuotaExceeded(ex)
          ? "the store's quota is exhausted (" + FailureClassifier.rootCause(ex)
              + "); raise it (for HDFS: hdfs dfsadmin -setSpaceQuota / -clrSpaceQuota) and resume"
          : FailureClassifier.isNoDataNode(ex)
          ? "no HDFS DataNode could store its blocks (" + FailureClassifier.firstLine(ex.getMessage()) + "): the "
              + "DataNodes are full or not answering; 'hdfs dfsadmin -report' shows each one's state and free space"
          : FailureClassifier.isOutOfSpace(ex)
          ? "the file system of " + spec.jobDirText() + " is full (" + FailureClassifier.firstLine(ex.getMessage())
              + "); a resume "
              + "fails the same way until space is freed there (a checkpoint of this job holds about "
              + (state.totalBytes() < 1_000_000 ? (state.totalBytes() + 999) / 1000 + " kB"
              : String.format(Locale.ROOT, "%.1f MB", state.totalBytes() / 1e6)) + " in several files, "
              + "each taking whole blocks of the disk; a resume with --set checkpoint.keep_last=N deletes older "
              + "checkpoints before it trains)"
          : FailureClassifier.isReadOnly(ex)
          ? "the file system of " + spec.jobDirText() + " is read-only ("
              + FailureClassifier.firstLine(ex.getMessage()) + "); a resume "
              + "fails the same way until it can be written"
          : FailureClassifier.isPermissionDenied(ex)
          ? "the job's directory " + spec.jobDirText() + " refuses the write ("
              + FailureClassifier.firstLine(ex.getMessage()) + ": no "
              + "write permission, or a file or directory made immutable); a resume fails the same way until it can be "
              + "written"
          : FailureClassifier.firstLine(ex.getMessage());
      String then = reason == FailureReason.LEASE_LOST
          ? "; this driver stops, the new holder continues the job"
          : "; the previous checkpoint stays the latest";
      throw new TrainingException(reason, epoch, 0, "checkpoint " + name + " was not committed: " + why + then, ex);
    }
  }

  /**
   * Says so when {@code checkpoints/} is gone before a commit after the first epoch: someone moved
   * or deleted it while the job ran (retention never removes the newest checkpoint, so it is never
   * empty), and the commit creates a new one that holds none of the earlier epochs.
   */
  private void warnIfCheckpointsGone(int epoch) {
    if (epoch <= 1) {
      return;
    }
    org.apache.hadoop.fs.Path checkpoints = new org.apache.hadoop.fs.Path(dir.store().checkpointsDir());
    try {
      if (dir.fileSystem().exists(checkpoints)) {
        return;
      }
    } catch (java.io.IOException | RuntimeException unreadable) {
      return; // the commit reports what is wrong with the directory
    }
    listener.warning(io.epochal.driver.config.JobSpecResolver.locationText(checkpoints) + " is gone (moved or "
        + "deleted while the job ran); the checkpoint of epoch " + epoch + " goes into a new one, without the earlier "
        + "epochs: to keep them, move them back into it (a resume reads only the checkpoints there)");
  }

  /**
   * What follows a published checkpoint: its event, its progress line and retention. The
   * checkpoint is committed whatever happens here, so a failure is a warning, never "not
   * committed" (which would also cost the attempt).
   */
  private void published(int epoch, CheckpointManifest m, java.time.Instant at, long millis) {
    String name = dir.store().checkpointsDir() + "/" + String.format(Locale.ROOT, "epoch-%06d", epoch);
    try {
      // the time it was published, even if this thread is held up before recording it
      dir.committed(at, EpochValues.of(m));
    } catch (RuntimeException ex) {
      listener.warning("checkpoint " + name + " is committed, but its event could not be recorded: " + ex);
    }
    listener.committed(epoch, name, m.dataBytes(), millis);
    retry.progressed();
    mid.removeBefore(m.globalStep(), true); // the epoch's checkpoint holds all they hold
    try {
      dir.applyRetention(spec, listener);
    } catch (IOException | RuntimeException ex) {
      listener.warning("checkpoint " + name + " is committed, but retention could not run: " + ex
          + "; older checkpoints are kept until the next epoch's retention");
    }
  }
}
