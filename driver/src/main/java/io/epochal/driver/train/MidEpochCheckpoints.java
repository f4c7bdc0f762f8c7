package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointException;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointProblem;
import io.epochal.checkpoint.CheckpointSeries;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.CommitGuard;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.checkpoint.LatestCheckpoint;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.config.MidEpochKeys;
import io.epochal.tensor.StateDict;
import io.epochal.worker.schedule.ReduceOnPlateau;
import java.io.Closeable;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The checkpoints a run takes inside an epoch ({@code checkpoint.every_n_rounds}, {@code
 * checkpoint.every_n_minutes}): when one is due, writing it into {@code <job-dir>/mid-epoch} (the
 * {@link CheckpointSeries#STEPS} series, keyed by global step) with the epoch's commit protocol,
 * removing the ones it or the epoch's checkpoint supersedes, and finding the one a resume continues.
 * A mid-epoch checkpoint holds the whole state, the epoch's sums so far ({@link EpochProgress}) and
 * the metrics of the epoch before it; a write that fails is a warning, since the epoch's checkpoint
 * still follows, unless the lease is lost.
 */
final class MidEpochCheckpoints implements Closeable {

  /** The write of one mid-epoch checkpoint of a state held in memory, into the store given. */
  interface Write {
    /** Writes it into {@code mid}; null when it failed (said as a warning). */
    CheckpointManifest to(MidEpochCheckpoints mid) throws TrainingException;
  }

  private final CheckpointStore store;
  private final int everyRounds;
  private final long everyNanos;
  private final int epochs;
  private final TrainingListener listener;
  /** Writes the stop's snapshot: a failed write is thrown for the stop to say, as training does not go on. */
  private volatile boolean atStop;
  /** Steps of those beyond {@code train.epochs} a resume lowered, removed once its amendment is written. */
  private final Map<Long, Long> beyond = new LinkedHashMap<>(); // step -> epochs completed before its rounds
  /** Steps of those a checkpoint continued supersedes, removed once the run's checks passed. */
  private final Map<Long, Long> superseded = new LinkedHashMap<>(); // step -> the step of the one continued
  /**
   * Steps of those newer than the one continued (damaged, or after an epoch whose checkpoint is missing), removed
   * once the run's checks passed, before it trains their steps again: a refused resume leaves them as they were.
   */
  private final Map<Long, String> retrained = new LinkedHashMap<>(); // step -> why it goes, null when damaged

  private MidEpochCheckpoints(CheckpointStore store, int everyRounds, long everyMillis, int epochs,
      TrainingListener listener) {
    this.store = checkNotNull(store, "store");
    this.everyRounds = everyRounds;
    this.everyNanos = everyMillis * 1_000_000;
    this.epochs = epochs;
    this.listener = checkNotNull(listener, "listener");
  }

  /** The mid-epoch checkpoints of {@code spec}'s job directory, opened on {@code dir}'s file system. */
  static MidEpochCheckpoints open(JobSpec spec, JobDirectory dir, TrainingListener listener) throws IOException {
    CheckpointStore store = HadoopCheckpointStore.builder().setJobDir(new org.apache.hadoop.fs.Path(spec.jobDir()).toString())
        .optConfiguration(dir.fileSystem().getConf()).optSeries(CheckpointSeries.STEPS).build();
    io.epochal.params.HyperParameters keys = spec.toHyperParameters();
    return new MidEpochCheckpoints(store, MidEpochKeys.everyNRounds(keys), MidEpochKeys.everyMillis(keys),
        spec.epochs(), listener);
  }

  /**
   * These checkpoints, written at the stop from now on: a write that fails is thrown for the stop to say, not said
   * as one that training goes on after.
   */
  MidEpochCheckpoints atStop() {
    atStop = true;
    return this;
  }

  /**
   * Removes what commits of mid-epoch checkpoints that never ended left (a driver killed while it
   * wrote one, a deletion that failed half-way): never read, and as large as a checkpoint. Called
   * when a run starts, holding the lease; a failure is a warning.
   */
  void cleanTemporary() {
    try {
      store.cleanTemporary();
    } catch (CheckpointException | RuntimeException e) {
      listener.warning("could not remove a stale temporary mid-epoch checkpoint directory under "
          + JobSpecResolver.locationText(store.checkpointsDir()) + ": " + e.getMessage());
    }
  }

  /**
   * How many rounds may run before the next one checkpointed by count, from {@code roundsDone} rounds
   * of the epoch: what a single worker's chain of rounds is cut to. Unbounded without a count.
   */
  int roundsBeforeNext(int roundsDone) {
    return everyRounds > 0 ? everyRounds - roundsDone % everyRounds : Integer.MAX_VALUE;
  }

  /**
   * Whether the state after {@code roundsDone} of the epoch's {@code rounds} rounds is checkpointed: a
   * multiple of {@code checkpoint.every_n_rounds}, or {@code checkpoint.every_n_minutes} passed since
   * {@code sinceNanos} (the epoch's start or the last mid-epoch checkpoint); never after the last round.
   */
  boolean due(int roundsDone, int rounds, long sinceNanos, long nowNanos) {
    return roundsDone > 0 && roundsDone < rounds && ((everyRounds > 0 && roundsDone % everyRounds == 0)
        || (everyNanos > 0 && nowNanos - sinceNanos >= everyNanos));
  }

  /**
   * Writes the mid-epoch checkpoint of {@code state} after {@code round} rounds of epoch {@code
   * completed + 1} (of {@code rounds}), at {@code step}, then removes the older ones. Runs on the
   * checkpoint writer's thread.
   *
   * @param carried the metrics of the epoch before (early stopping's count, the data's rows), carried on
   * @return the manifest written, or null when the write failed (said as a warning)
   * @throws TrainingException ({@link FailureReason#LEASE_LOST}) when another driver holds the job now; ({@link
   *     FailureReason#CHECKPOINT_WRITE_FAILED}) when the write {@link #atStop} failed
   */
  CheckpointManifest write(CheckpointAssembler assembler, CommitGuard epochGuard, int completed, int round,
      int rounds, long step, StateDict state, Map<String, Double> carried, EpochProgress progress,
      String dataDigest, ReduceOnPlateau plateau) throws TrainingException {
    String what = "the mid-epoch checkpoint of epoch " + (completed + 1) + " after round " + round + " of " + rounds;
    long start = System.nanoTime();
    try {
      Map<String, Double> metrics = new LinkedHashMap<>(carried);
      metrics.putAll(progress.toMetrics());
      // the commit drain and the lease know the epoch in progress, not the step this series is keyed by
      CommitGuard guard = key -> epochGuard.checkBeforePublish(completed + 1);
      CheckpointManifest m = store.commit(
          assembler.assemble(completed, round, step, rounds, state, metrics, dataDigest, plateau), guard);
      listener.message(String.format(Locale.ROOT, "%s written to %s in %.2f s", what,
          JobSpecResolver.locationText(store.checkpointsDir() + "/" + CheckpointSeries.STEPS.name(step)),
          (System.nanoTime() - start) / 1e9));
      removeBefore(step, false);
      return m;
    } catch (CheckpointException | RuntimeException e) {
      FailureReason reason = FailureClassifier.ofCommit(e);
      if (reason == FailureReason.LEASE_LOST) {
        throw new TrainingException(reason, completed + 1, round, what + " was not written: "
            + FailureClassifier.firstLine(e.getMessage()) + "; this driver stops, the new holder continues the job", e);
      }
      if (atStop) { // the stop says it: no training goes on after it
        throw new TrainingException(FailureReason.CHECKPOINT_WRITE_FAILED, completed + 1, round, what
            + " was not written: " + FailureClassifier.firstLine(e.getMessage()), e);
      }
      listener.warning(what + " was not written (" + FailureClassifier.firstLine(e.getMessage()) + "); training "
          + "goes on, and the epoch's own checkpoint follows as usual");
      return null;
    }
  }

  /**
   * Removes the mid-epoch checkpoints at or before {@code step} (the epoch's checkpoint holds all they
   * hold), or before it ({@code inclusive} false: the newest was just written). A failure is a warning:
   * a resume ignores the ones it leaves.
   */
  void removeBefore(long step, boolean inclusive) {
    try {
      for (CheckpointEntry e : store.list()) {
        if (e.epoch() < step || (inclusive && e.epoch() == step)) {
          store.delete(e.epoch());
        }
      }
    } catch (CheckpointException | RuntimeException e) {
      listener.warning("superseded mid-epoch checkpoints under " + JobSpecResolver.locationText(store.checkpointsDir())
          + " could not be removed (" + FailureClassifier.firstLine(e.getMessage()) + "); a resume ignores them");
    }
  }

  /**
   * The newest verified mid-epoch checkpoint that continues the epoch after {@code completed} epochs
   * trained to {@code step} ({@link MidEpochPosition#continues}): the same epochs completed and a later step, or
   * the epoch before it one of {@code damagedEpochs}, the epoch checkpoints newer than that found damaged (it holds
   * the state after them). Damaged ones are said and skipped; older ones (superseded by an epoch's checkpoint, or
   * by the one continued, whose removal of them did not happen: a driver killed between the two) and newer ones
   * that are damaged or follow an epoch whose checkpoint is missing (the run trains their steps again) are removed
   * by {@link #removeDeferred}, once the run's checks passed; those holding rounds of an epoch beyond {@code
   * train.epochs} (a resume's {@code --epochs} lowered it) once its amendment is written. A resume refused after
   * this leaves them all for the job as it was.
   */
  Optional<LoadedCheckpoint> continuing(int completed, long step, java.util.Set<Long> damagedEpochs)
      throws CheckpointException, TrainingException {
    java.util.List<CheckpointEntry> listed = store.list();
    if (listed.isEmpty()) {
      return Optional.empty();
    }
    LatestCheckpoint latest = store.latest();
    // one a newer Epochal wrote is left as it is, and the job with it, as its epoch checkpoints are
    CheckpointFit.checkNoNewerFormat(latest.skipped());
    java.util.Set<Long> damaged = new java.util.HashSet<>();
    for (CheckpointProblem p : latest.skipped()) {
      damaged.add(p.epoch());
      listener.warning("skipping damaged mid-epoch checkpoint " + p + "; falling back to an older one");
    }
    java.util.function.Predicate<LoadedCheckpoint> continues = MidEpochPosition.continuing(completed, step,
        damagedEpochs).and(c -> c.manifest().epoch() < epochs); // resume --epochs N inside epoch N + 1: it ends at N
    Optional<LoadedCheckpoint> found = MidEpochPosition.newestContinuing(store, latest, step, continues, damaged,
        w -> listener.warning("skipping damaged mid-epoch checkpoint " + w));
    long from = found.map(c -> c.manifest().globalStep()).orElse(step);
    beyond.clear();
    superseded.clear();
    retrained.clear();
    for (CheckpointEntry e : listed) { // this driver holds the lease: no other writes here
      if (e.epoch() < from && !damaged.contains(e.epoch())) { // superseded: what it holds, a later checkpoint holds
        superseded.put(e.epoch(), from); // removed once the run's checks passed (a refused resume may want it)
        continue;
      }
      if (e.epoch() > from) { // damaged, or after an epoch whose checkpoint is missing: trained again
        if (!damaged.contains(e.epoch()) && e.manifest().map(m -> m.epoch() >= epochs).orElse(false)) {
          beyond.put(e.epoch(), e.manifest().get().epoch());
          continue;
        }
        retrained.put(e.epoch(), damaged.contains(e.epoch()) ? null : "it does not continue the newest verified "
            + "checkpoint (" + (completed == 0 ? "the start" : "epoch " + completed) + ", step " + step + "), but an "
            + "epoch whose checkpoint is missing; its rounds are trained again");
      }
    }
    return found;
  }

  /**
   * Removes the mid-epoch checkpoints {@link #continuing} found holding rounds of an epoch beyond {@code
   * train.epochs}, once the resume that lowered it has written its amendment to job.json, and those it found
   * superseded by the checkpoint continued, once the run's checks passed; a failure is a warning (a later resume
   * finds them again). Those newer than the one continued go first, as the run writes their steps again: one that
   * cannot be removed fails the run.
   */
  void removeDeferred() throws TrainingException {
    for (Map.Entry<Long, String> r : retrained.entrySet()) {
      String name = JobSpecResolver.locationText(store.checkpointsDir()) + "/" + CheckpointSeries.STEPS.name(
          r.getKey());
      if (r.getValue() != null) {
        listener.warning("removing mid-epoch checkpoint " + name + ": " + r.getValue());
      }
      try {
        store.delete(r.getKey());
      } catch (CheckpointException | RuntimeException e) {
        throw new TrainingException(FailureReason.STORAGE_UNAVAILABLE, 0, 0, "cannot remove mid-epoch checkpoint "
            + name + ", whose steps this run trains again: " + FailureClassifier.firstLine(e.getMessage()), e);
      }
    }
    retrained.clear();
    for (Map.Entry<Long, Long> s : superseded.entrySet()) {
      String name = JobSpecResolver.locationText(store.checkpointsDir()) + "/" + CheckpointSeries.STEPS.name(
          s.getKey());
      try {
        store.delete(s.getKey());
        listener.message("removed mid-epoch checkpoint " + name + ": the checkpoint continued (step " + s.getValue()
            + ") holds all it holds");
      } catch (CheckpointException | RuntimeException e) {
        listener.warning("could not remove superseded mid-epoch checkpoint " + name + " ("
            + FailureClassifier.firstLine(e.getMessage()) + "); a resume ignores it");
      }
    }
    superseded.clear();
    for (Map.Entry<Long, Long> b : beyond.entrySet()) {
      String name = JobSpecResolver.locationText(store.checkpointsDir()) + "/"
          + CheckpointSeries.STEPS.name(b.getKey());
      try {
        store.delete(b.getKey());
        listener.message("removed mid-epoch checkpoint " + name + ": it holds rounds of epoch " + (b.getValue() + 1)
            + ", beyond train.epochs = " + epochs + ", which the job now ends at");
      } catch (CheckpointException | RuntimeException e) {
        listener.warning("mid-epoch checkpoint " + name + ", beyond train.epochs = " + epochs + ", could not be "
            + "removed (" + FailureClassifier.firstLine(e.getMessage()) + "); a resume ignores it");
      }
    }
    beyond.clear();
  }

  @Override
  public void close() throws IOException {
    store.close();
  }
}
