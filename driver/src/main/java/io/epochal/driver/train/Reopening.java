package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.checkpoint.CheckpointException;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.driver.config.JobSpec;
import java.util.List;
import java.util.Optional;

/**
 * Why and from where a COMPLETED job trains again, and what it tells the user: to train the epochs
 * an amendment of {@code train.epochs} adds, the epochs of a {@code job.json} written anew with
 * more of them, or, when its final checkpoint is damaged or missing, the epochs after its newest
 * verified one. Immutable: {@link #retried} and {@link #noticed} are what comes after.
 */
final class Reopening {

  private final String reason;
  private final boolean toAmend;
  private final String notice;
  private final ResumePoint from;
  private final long newestListed;

  private Reopening(String reason, boolean toAmend, String notice, ResumePoint from, long newestListed) {
    this.reason = reason;
    this.toAmend = toAmend;
    this.notice = notice;
    this.from = from;
    this.newestListed = newestListed;
  }

  /**
   * How job {@code spec}, COMPLETED with {@code last} as its newest verified checkpoint (before its
   * final epoch), is reopened. A damaged or missing final checkpoint is warned about at once through
   * {@code listener}; the other cases are said by {@link #notice} once the data has been checked.
   *
   * @param amendsEpochs whether this run amends {@code train.epochs} in {@code job.json}
   * @param specRewritten whether this run writes the {@code job.json} the job lost
   */
  static Reopening of(JobSpec spec, ResumePoint last, boolean amendsEpochs, boolean specRewritten,
      TrainingListener listener) {
    checkNotNull(last, "last");
    String epochs = last.completedEpochs() + 1 == spec.epochs() ? "epoch " + spec.epochs()
        : "epochs " + (last.completedEpochs() + 1) + "-" + spec.epochs();
    boolean intact = last.damaged().isEmpty();
    // latest() went newest first: the newest listed epoch is the first one it skipped, or the one it found
    long newest = intact ? last.completedEpochs() : last.damaged().get(0).epoch();
    if (intact && amendsEpochs) {
      return new Reopening("reopened: train.epochs is now " + spec.epochs(), true, "job " + spec.jobDirText()
          + " is COMPLETED after epoch " + last.completedEpochs() + "; its train.epochs is now " + spec.epochs()
          + ": reopened it to train " + epochs, last, newest);
    }
    if (intact && specRewritten) {
      return new Reopening("reopened: job.json written anew with train.epochs " + spec.epochs(), false, "job "
          + spec.jobDirText() + " is COMPLETED and its newest checkpoint is of epoch " + last.completedEpochs()
          + "; the job.json written now has train.epochs " + spec.epochs() + ": reopened it to train " + epochs,
          last, newest);
    }
    listener.warning("job " + spec.jobDirText() + " is COMPLETED, but its newest verified checkpoint is of epoch "
        + last.completedEpochs() + " of " + spec.epochs() + ": reopening it to train " + epochs
        + (intact ? "" : " again")); // the damaged ones were trained once
    return new Reopening("reopened: its final checkpoint is damaged", false, null, last, newest);
  }

  /** Why the job is reopened, for its state. */
  String reason() {
    return reason;
  }

  /** Whether its final checkpoint is intact and it is reopened only to train the epochs an amendment adds. */
  boolean toAmend() {
    return toAmend;
  }

  /** What it trains, to say once its data has been checked against the checkpoint; empty if warned already. */
  Optional<String> notice() {
    return Optional.ofNullable(notice);
  }

  /**
   * The newest verified checkpoint found when the job was reopened, if no other driver committed or
   * moved a checkpoint since (the newest epoch {@code store} lists is still the one seen then).
   */
  Optional<ResumePoint> start(CheckpointStore store) throws CheckpointException {
    if (from == null) {
      return Optional.empty();
    }
    List<io.epochal.checkpoint.CheckpointEntry> all = store.list();
    long listed = all.isEmpty() ? 0 : all.get(all.size() - 1).epoch();
    return listed == newestListed ? Optional.of(from) : Optional.empty();
  }

  /** The same reopening for a retry, which looks for the newest verified checkpoint again. */
  Reopening retried() {
    return new Reopening(reason, toAmend, notice, null, newestListed);
  }

  /** The same reopening once its notice has been said. */
  Reopening noticed() {
    return new Reopening(reason, toAmend, null, from, newestListed);
  }
}
