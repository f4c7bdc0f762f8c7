package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.checkpoint.CheckpointException;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointProblem;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.LatestCheckpoint;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.params.HyperParameters;
import io.epochal.worker.schedule.ReduceOnPlateau;
import io.epochal.tensor.StateDict;
import io.epochal.worker.optim.Optimizers;
import io.epochal.worker.round.LocalRound;
import io.epochal.worker.round.TrainingConfig;
import java.util.List;
import java.util.Map;

/**
 * Where a run starts: the newest verified checkpoint (whose probe must reproduce on a model
 * rebuilt from the registry, and whose hyperparameters must equal the job's), or a fresh state
 * initialised from the job seed and, when the job names some, its starting weights ({@link StartingWeights}).
 */
final class ResumePoint {

  private final int completedEpochs;
  private final long globalStep;
  private final StateDict state;
  private final String checkpoint;
  private final List<CheckpointProblem> damaged;
  private final Map<String, Double> metrics;
  private final String dataDigest;
  /** The held-out rows the checkpoint's val_ metrics were measured on; null if not recorded. */
  private final HeldOutRowsCheck.Measured heldOut;
  private final String rankedBy;
  private final HyperParameters schedule;
  private final String initDigest;
  private final int roundsDone;
  private final int roundsPerEpoch;
  private final EpochProgress progress;

  private ResumePoint(int completedEpochs, long globalStep, StateDict state, String checkpoint,
      List<CheckpointProblem> damaged, Map<String, Double> metrics, String dataDigest,
      HeldOutRowsCheck.Measured heldOut, String rankedBy, HyperParameters schedule, String initDigest) {
    this(completedEpochs, globalStep, state, checkpoint, damaged, metrics, dataDigest, heldOut, rankedBy,
        schedule, initDigest, 0, -1, EpochProgress.NONE);
  }

  private ResumePoint(int completedEpochs, long globalStep, StateDict state, String checkpoint,
      List<CheckpointProblem> damaged, Map<String, Double> metrics, String dataDigest,
      HeldOutRowsCheck.Measured heldOut, String rankedBy, HyperParameters schedule, String initDigest, int roundsDone,
      int roundsPerEpoch,
      EpochProgress progress) {
    this.completedEpochs = completedEpochs;
    this.globalStep = globalStep;
    this.state = checkNotNull(state, "state");
    this.checkpoint = checkpoint;
    this.damaged = List.copyOf(damaged);
    this.metrics = Map.copyOf(metrics);
    this.dataDigest = dataDigest;
    this.heldOut = heldOut;
    this.rankedBy = rankedBy;
    this.schedule = checkNotNull(schedule, "schedule");
    this.initDigest = initDigest;
    this.roundsDone = roundsDone;
    this.roundsPerEpoch = roundsPerEpoch;
    this.progress = checkNotNull(progress, "progress");
  }

  /**
   * The rounds of epoch {@link #completedEpochs()} + 1 already trained: those a mid-epoch checkpoint
   * resumed from holds; 0 otherwise.
   */
  int roundsDone() {
    return roundsDone;
  }

  /** The rounds per epoch the mid-epoch checkpoint resumed from recorded; -1 without one. */
  int roundsPerEpoch() {
    return roundsPerEpoch;
  }

  /** The sums of the rounds {@link #roundsDone()} counts; none without them. */
  EpochProgress progress() {
    return progress;
  }

  /**
   * This point, or the one the newest verified mid-epoch checkpoint that continues it gives ({@link
   * MidEpochCheckpoints#continuing}; past this point's damaged epoch checkpoints), once its hyperparameters and
   * probe are checked as a checkpoint's are.
   */
  ResumePoint continuedBy(MidEpochCheckpoints mid, TrainingConfig config, HyperParameters expected,
      Map<String, String> versions, TrainingListener listener) throws TrainingException, CheckpointException {
    java.util.Set<Long> damagedEpochs = new java.util.HashSet<>();
    damaged.forEach(p -> damagedEpochs.add(p.epoch()));
    java.util.Optional<LoadedCheckpoint> c = mid.continuing(completedEpochs, globalStep, damagedEpochs);
    if (c.isEmpty()) {
      return this;
    }
    CheckpointFit.checkTrainedWith(c.get(), expected);
    CheckpointFit.checkContinuable(c.get(), config, versions, listener);
    return within(c.get());
  }

  /**
   * This point continued by mid-epoch checkpoint {@code c} ({@link MidEpochCheckpoints#continuing}):
   * its epochs completed, state, step, schedule state and rounds, the metrics of the epoch before it, and this
   * point's damaged epoch checkpoints (moved aside as before; those it holds the state after are not trained
   * again).
   *
   * @throws TrainingException ({@link FailureReason#INCOMPATIBLE_JOB}) naming it when its metrics lack the
   *     epoch's sums
   */
  ResumePoint within(LoadedCheckpoint c) throws TrainingException {
    CheckpointManifest m = c.manifest();
    EpochProgress sums;
    try {
      sums = EpochProgress.of(m.metrics());
    } catch (IllegalArgumentException e) {
      throw new TrainingException(FailureReason.INCOMPATIBLE_JOB, completedEpochs + 1, 0, "mid-epoch checkpoint "
          + JobSpecResolver.locationText(c.path()) + " cannot be continued: " + e.getMessage() + "; move it aside "
          + "to resume from " + (checkpoint == null ? "the start" : JobSpecResolver.locationText(checkpoint)), e);
    }
    StateDict resumed = StateDict.builder().putAll(c.model()).putAll(LocalRound.prefixed(c.optimizer()))
        .putAll(io.epochal.worker.ema.ModelEma.prefixed(c.ema())).build();
    MidEpochPosition at = MidEpochPosition.of(m).orElseThrow(() -> new TrainingException(
        FailureReason.INCOMPATIBLE_JOB, completedEpochs + 1, 0, "mid-epoch checkpoint "
        + JobSpecResolver.locationText(c.path()) + " records no round in its random state; move it aside to "
        + "resume from " + (checkpoint == null ? "the start" : JobSpecResolver.locationText(checkpoint)), null));
    // past damaged epoch checkpoints (MidEpochPosition#continues), it also holds the epochs after this point's
    String ranking = m.epoch() == completedEpochs ? rankedBy : EarlyStopping.rankedBy(m.hyperParameters());
    return new ResumePoint(Math.toIntExact(m.epoch()), m.globalStep(), resumed, c.path(), damaged,
        EpochProgress.withoutProgress(m.metrics()), m.dataDigest().orElse(dataDigest),
        HeldOutRowsCheck.Measured.of(c.path(), m).orElse(heldOut), ranking,
        m.learningRateSchedule(), m.initDigest().orElse(initDigest), at.round(), at.roundsPerEpoch(), sums);
  }

  /** The damaged checkpoints newer than the one resumed from (they must be moved aside before re-commit). */
  List<CheckpointProblem> damaged() {
    return damaged;
  }

  /**
   * The bytes of the state training holds, optimizer and moving average included: a resumed state has its
   * optimizer's tensors; a fresh one has none yet, so they are counted from the optimizer's tensors per parameter
   * ({@link Optimizers#stateTensorsPerParameter}; buffers are counted as parameters) and one more per tensor for
   * the moving average of a job that keeps one, and so are those of a checkpoint of an epoch in which frozen
   * parameters that train later had none.
   */
  long trainingStateBytes(io.epochal.worker.round.TrainingConfig config) {
    int perParameter = Optimizers.stateTensorsPerParameter(config.optimizerName(), config.optimizerParams())
        + (config.emaDecay() > 0 ? 1 : 0);
    return trainingStateBytes(state, checkpoint != null ? completedEpochs : -1, perParameter, config.frozen());
  }

  /**
   * {@link #trainingStateBytes(io.epochal.worker.round.TrainingConfig)} of {@code state}
   * (model tensors and {@code optimizer.}-prefixed optimizer tensors), resumed after {@code completedEpochs} (-1: a
   * fresh state) for an optimizer that keeps {@code perParameter} tensors per parameter.
   */
  static long trainingStateBytes(StateDict state, int completedEpochs, int perParameter,
      io.epochal.worker.round.FrozenParameters frozen) {
    long counted = LocalRound.modelPart(state).totalBytes() * (1 + perParameter);
    if (completedEpochs < 0) {
      return counted;
    }
    // a checkpoint of the last frozen epoch or one before it holds no state for them yet
    return frozen.epochs() > 0 && completedEpochs <= frozen.epochs() ? Math.max(state.totalBytes(), counted)
        : state.totalBytes();
  }

  /** Epochs already complete. */
  int completedEpochs() {
    return completedEpochs;
  }

  /** Optimizer steps already taken. */
  long globalStep() {
    return globalStep;
  }

  /** The global state to continue from. */
  StateDict state() {
    return state;
  }

  /** The metrics of the checkpoint resumed from; empty for a fresh start. */
  Map<String, Double> metrics() {
    return metrics;
  }

  /**
   * The digest of the data the checkpoint resumed from was trained on ({@code data_sha256}), or
   * {@code null} for a fresh start or a checkpoint that does not record it.
   */
  String dataDigest() {
    return dataDigest;
  }

  /** The held-out rows the resumed checkpoint measured its val_ metrics on; null if not recorded. */
  HeldOutRowsCheck.Measured heldOut() {
    return heldOut;
  }

  /**
   * The ranking the checkpoint resumed from was trained under, {@code best_metric:best_mode} ({@link
   * EarlyStopping#ranking}), or {@code null} for a fresh start.
   */
  String rankedBy() {
    return rankedBy;
  }

  /**
   * The SHA-256 of the weights training started from ({@code init.weights}; from the checkpoint
   * resumed from, which carries it on), or null when it started from the model's seeded initialisation.
   */
  String initDigest() {
    return initDigest;
  }

  /** The schedule state of the checkpoint resumed from ({@code lr_schedule}); empty for a fresh start. */
  HyperParameters schedule() {
    return schedule;
  }

  /**
   * The state of schedule {@code plateau} a run continues with: fresh at {@code optimizer.lr} for a
   * fresh start, else as the checkpoint's schedule state records it; null for any other schedule.
   *
   * @throws TrainingException ({@link FailureReason#INCOMPATIBLE_JOB}) naming the checkpoint and the
   *     entry when its schedule state does not hold the plateau's
   */
  ReduceOnPlateau plateau(String scheduleName, TrainingConfig config) throws TrainingException {
    if (!"plateau".equals(scheduleName)) {
      return null;
    }
    if (checkpoint == null) {
      return ReduceOnPlateau.start(LocalRound.baseLr(config), config.scheduleParams());
    }
    try {
      return ReduceOnPlateau.restore(config.scheduleParams(), schedule);
    } catch (IllegalArgumentException e) {
      // a mid-epoch checkpoint holds rounds of the epoch after those completed
      throw new TrainingException(FailureReason.INCOMPATIBLE_JOB,
          roundsDone > 0 ? completedEpochs + 1 : completedEpochs, roundsDone, "checkpoint "
          + JobSpecResolver.locationText(checkpoint) + " cannot continue schedule 'plateau': " + e.getMessage()
          + "; its manifest's lr_schedule is not what Epochal writes for it (edited, or written by another "
          + "program): resume from an earlier checkpoint by moving this one aside", e);
    }
  }

  /** The checkpoint path resumed from, or {@code null} for a fresh start. */
  String checkpoint() {
    return checkpoint;
  }

  /**
   * The newest verified checkpoint of {@code store}, or a fresh state. Damaged newer checkpoints are
   * reported to {@code listener} by name and reason.
   *
   * @throws TrainingException if the checkpoint's hyperparameters differ from {@code expected} or
   *     its probe does not reproduce
   */
  static ResumePoint find(CheckpointStore store, TrainingConfig config, HyperParameters expected,
      Map<String, String> versions, TrainingListener listener, StartingWeights starting)
      throws TrainingException, CheckpointException {
    return find(store, config, expected, versions, listener, starting, null);
  }

  /**
   * As {@link #find(CheckpointStore, TrainingConfig, HyperParameters, Map, TrainingListener, StartingWeights)},
   * continued by the newest verified mid-epoch checkpoint of {@code mid} that continues it ({@link #continuedBy});
   * with no verified epoch checkpoint, the starting weights are read only when no such checkpoint holds the state.
   */
  static ResumePoint find(CheckpointStore store, TrainingConfig config, HyperParameters expected,
      Map<String, String> versions, TrainingListener listener, StartingWeights starting, MidEpochCheckpoints mid)
      throws TrainingException, CheckpointException {
    LatestCheckpoint latest = store.latest();
    CheckpointFit.checkNoNewerFormat(latest.skipped());
    for (CheckpointProblem p : latest.skipped()) {
      listener.warning("skipping damaged checkpoint " + p + "; falling back to an older one");
    }
    if (latest.checkpoint().isEmpty()) {
      if (mid != null) { // a fine-tuned job's first epoch continues without its init.weights, which may be gone
        ResumePoint none = new ResumePoint(0, 0, StateDict.empty(), null, latest.skipped(), Map.of(), null, null,
            null, HyperParameters.empty(), null);
        ResumePoint within = none.continuedBy(mid, config, expected, versions, listener);
        if (within != none) {
          return within;
        }
      }
      if (!latest.skipped().isEmpty()) {
        listener.warning("no verified checkpoint under " + JobSpecResolver.locationText(store.checkpointsDir()) + " ("
            + latest.skipped().size()
            + " damaged): training starts again from epoch 1");
      }
      StartingWeights.Start f = starting.take();
      return new ResumePoint(0, 0, f.state(), null, latest.skipped(), Map.of(), null, null, null,
          HyperParameters.empty(), f.initDigest());
    }
    LoadedCheckpoint c = latest.checkpoint().get();
    CheckpointManifest m = c.manifest();
    CheckpointFit.checkTrainedWith(c, expected);
    CheckpointFit.checkContinuable(c, config, versions, listener);
    StateDict state = StateDict.builder().putAll(c.model()).putAll(LocalRound.prefixed(c.optimizer()))
        .putAll(io.epochal.worker.ema.ModelEma.prefixed(c.ema())).build();
    ResumePoint point = new ResumePoint(Math.toIntExact(m.epoch()), m.globalStep(), state, c.path(),
        latest.skipped(), m.metrics(), m.dataDigest().orElse(null),
        HeldOutRowsCheck.Measured.of(c.path(), m).orElse(null),
        EarlyStopping.rankedBy(m.hyperParameters()),
        m.learningRateSchedule(), m.initDigest().orElse(null));
    return mid == null ? point : point.continuedBy(mid, config, expected, versions, listener);
  }

  /**
   * A fresh state: the model initialised from {@code Seeds.derive(seed, INIT)}, no optimizer state;
   * without {@code init.weights}, whose tensors have the same layout (for the size of the state).
   */
  static ResumePoint fresh(TrainingConfig config) {
    return new ResumePoint(0, 0, StartingWeights.seeded(config), null, List.of(), Map.of(), null, null, null,
        HyperParameters.empty(), null);
  }

  /**
   * Moves each damaged checkpoint newer than this point aside ({@link CheckpointStore#moveAside}: to
   * {@code checkpoints/_damaged-epoch-NNNNNN-<millis>}, kept for inspection, never read as a
   * checkpoint) so that its epoch can be committed again; each move is a warning and a history event.
   */
  void moveDamagedAside(JobDirectory dir, TrainingListener listener) throws TrainingException {
    for (CheckpointProblem problem : damaged) {
      org.apache.hadoop.fs.Path from = new org.apache.hadoop.fs.Path(problem.path());
      if (problem.epoch() <= completedEpochs) {
        // under the mid-epoch checkpoint continued: not trained again, and left where it is, so that a resume after
        // a stop before the next epoch commits finds it damaged and continues that checkpoint again (one moved aside
        // by hand, to go back, is missing instead, and the mid-epoch checkpoint after it is removed)
        listener.warning("damaged checkpoint " + JobSpecResolver.locationText(from) + " is left in place; epoch "
            + problem.epoch() + " is not trained again: mid-epoch checkpoint "
            + JobSpecResolver.locationText(checkpoint) + " holds the state after it");
        dir.damagedInPlace(problem.epoch(), problem.path());
        continue;
      }
      try {
        if (!dir.fileSystem().exists(from)) {
          continue; // gone since it was found damaged: nothing to move
        }
        org.apache.hadoop.fs.Path to = new org.apache.hadoop.fs.Path(dir.store().moveAside(problem.epoch()).path());
        // why it is damaged was said when the search for the newest verified checkpoint skipped it
        listener.warning("moved damaged checkpoint " + JobSpecResolver.locationText(from)
            + " aside to " + JobSpecResolver.locationText(to) + "; epoch " + problem.epoch() + " is trained again, "
            + (completedEpochs == 0 ? "from the start" : "after epoch " + completedEpochs));
        dir.event(io.epochal.job.JobEventType.FAILURE, problem.epoch(), 0, "damaged checkpoint " + from + " moved to "
            + to + ": " + problem.reason());
      } catch (java.io.IOException e) {
        throw new TrainingException(FailureReason.STORAGE_UNAVAILABLE, (int) problem.epoch(), 0,
            "cannot move damaged checkpoint " + from + " aside: " + e.getMessage(), e);
      }
    }
  }
}
