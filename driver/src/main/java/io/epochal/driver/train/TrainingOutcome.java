package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.tensor.StateDict;
import java.util.List;
import java.util.Objects;

/** The end of a training job: its final state and where its checkpoints are. */
public final class TrainingOutcome {

  private final int epochs;
  private final int resumedFrom;
  private final long globalStep;
  private final StateDict state;
  private final String checkpointsDir;
  private final List<Double> epochLosses;
  private final long checkpointStallNanos;
  private final long trainingNanos;
  /** Why the job stopped before its train.epochs, or null. */
  private final String earlyStop;

  TrainingOutcome(int epochs, int resumedFrom, long globalStep, StateDict state, String checkpointsDir,
      List<Double> epochLosses, long checkpointStallNanos, long trainingNanos) {
    this(epochs, resumedFrom, globalStep, state, checkpointsDir, epochLosses, checkpointStallNanos, trainingNanos,
        null);
  }

  private TrainingOutcome(int epochs, int resumedFrom, long globalStep, StateDict state, String checkpointsDir,
      List<Double> epochLosses, long checkpointStallNanos, long trainingNanos, String earlyStop) {
    this.epochs = epochs;
    this.resumedFrom = resumedFrom;
    this.globalStep = globalStep;
    this.state = checkNotNull(state, "state");
    this.checkpointsDir = checkNotNull(checkpointsDir, "checkpointsDir");
    this.epochLosses = List.copyOf(epochLosses);
    this.checkpointStallNanos = checkpointStallNanos;
    this.trainingNanos = trainingNanos;
    this.earlyStop = earlyStop;
  }

  /** Epochs completed in total. */
  public int epochs() {
    return epochs;
  }

  /** Epochs that were already complete when this run started (0 for a fresh job). */
  public int resumedFrom() {
    return resumedFrom;
  }

  /** This outcome with {@code completedBefore} epochs complete before the run (its first attempt) started. */
  TrainingOutcome withResumedFrom(int completedBefore) {
    return new TrainingOutcome(epochs, completedBefore, globalStep, state, checkpointsDir, epochLosses,
        checkpointStallNanos, trainingNanos, earlyStop);
  }

  /** This outcome of a job that stopped early at its {@link #epochs()}, for reason {@code why}. */
  TrainingOutcome withEarlyStop(String why) {
    return new TrainingOutcome(epochs, resumedFrom, globalStep, state, checkpointsDir, epochLosses,
        checkpointStallNanos, trainingNanos, why);
  }

  /**
   * Why the job stopped early at {@link #epochs()}, before the train.epochs it started this run with
   * (early_stop.patience epochs without improvement), or empty.
   */
  public java.util.Optional<String> stoppedEarly() {
    return java.util.Optional.ofNullable(earlyStop);
  }

  /** Optimizer steps taken in total. */
  public long globalStep() {
    return globalStep;
  }

  /** The final global state (model tensors and {@code optimizer.}-prefixed optimizer tensors). */
  public StateDict state() {
    return state;
  }

  /** The directory holding the checkpoints. */
  public String checkpointsDir() {
    return checkpointsDir;
  }

  /** Mean training loss of each epoch the run's last attempt trained (a retry trains again after a checkpoint). */
  public List<Double> epochLosses() {
    return epochLosses;
  }

  /** Time the training thread waited for checkpoint writes, in the run's last attempt. */
  public long checkpointStallNanos() {
    return checkpointStallNanos;
  }

  /** Wall time of the epochs of the run's last attempt (a retry starts again after a checkpoint). */
  public long trainingNanos() {
    return trainingNanos;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof TrainingOutcome)) {
      return false;
    }
    TrainingOutcome t = (TrainingOutcome) o;
    return epochs == t.epochs && resumedFrom == t.resumedFrom && globalStep == t.globalStep
        && state.equals(t.state) && checkpointsDir.equals(t.checkpointsDir) && epochLosses.equals(t.epochLosses);
  }

  @Override
  public int hashCode() {
    return Objects.hash(epochs, resumedFrom, globalStep, checkpointsDir, epochLosses);
  }

  @Override
  public String toString() {
    return "TrainingOutcome[epochs " + epochs + ", resumedFrom " + resumedFrom + ", step " + globalStep
        + ", losses " + epochLosses + ", checkpoints " + checkpointsDir + (earlyStop == null ? "" : ", stopped early: "
        + earlyStop) + "]";
  }
}
