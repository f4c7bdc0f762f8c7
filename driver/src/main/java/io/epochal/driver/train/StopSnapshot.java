package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.checkpoint.CheckpointManifest;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The state after the newest round of the epoch in progress, which the stop of a driver (SIGTERM,
 * SIGINT, an exit: {@link ShutdownStop}) writes as a mid-epoch checkpoint, so that a resume continues
 * after the rounds trained since the newest checkpoint instead of training them again: what a
 * preempted driver (YARN, Kubernetes, a spot instance) would otherwise lose. The training thread
 * offers it after every round, an epoch's last included (until the epoch's checkpoint is published,
 * a resume from it only evaluates and commits the epoch); the stop writes it once, on its own thread,
 * unless a mid-epoch checkpoint of that step was written already or the epoch's checkpoint is published.
 */
final class StopSnapshot {

  /** Opens the store of mid-epoch checkpoints the stop writes into (its own: the run's may close under it). */
  interface Opener {
    MidEpochCheckpoints open() throws java.io.IOException;
  }

  /** What the stop would write: the epoch in progress, the rounds of it done, the global step, and the write. */
  private record Pending(int epoch, int round, long step, MidEpochCheckpoints.Write write) {}

  private final AtomicReference<Pending> latest = new AtomicReference<>();
  private volatile long writtenStep = -1;

  /** Offers the state after {@code round} rounds of epoch {@code epoch} (1-based), at {@code step}. */
  void offer(int epoch, int round, long step, MidEpochCheckpoints.Write write) {
    latest.set(new Pending(epoch, round, step, checkNotNull(write, "write")));
  }

  /** A mid-epoch checkpoint of {@code step} was written: the stop need not write it again. */
  void written(long step) {
    writtenStep = Math.max(writtenStep, step);
  }

  /**
   * The stop's write of the newest state offered, if any is newer than the mid-epoch checkpoints
   * written: into a store of its own (the run's may close under it as training ends), its commit
   * admitted by {@code drain} although it began after the stop, the lease still checked. It is given
   * up after {@code budget}, so that the stop still marks the job and releases its lease before the
   * JVM's shutdown ends it; a write given up cannot publish once the lease is released.
   *
   * Nothing is written when the state's epoch is published (the state after its last round), nor
   * when the epoch before the state's is not published ({@code committedEpochs}
   * behind: its commit failed or was given up at the stop): no resume could continue from it.
   *
   * @param committedEpochs the newest epoch whose checkpoint is published
   * @return what a resume continues from now, to say in the stop's message; empty when nothing was
   *     written (a failure is said through {@code listener})
   */
  Optional<String> writeNow(Opener opener, CommitDrain drain, TrainingListener listener, java.time.Duration budget,
      long committedEpochs) {
    Pending p = latest.getAndSet(null);
    if (p == null || p.step() <= writtenStep || p.epoch() <= committedEpochs) {
      return Optional.empty(); // held by a checkpoint already: a mid-epoch one, or its epoch's (after the last round)
    }
    if (p.epoch() - 1 > committedEpochs) {
      listener.warning("stopping: the state after round " + p.round() + " of epoch " + p.epoch() + " is not written "
          + "as a mid-epoch checkpoint: it continues epoch " + (p.epoch() - 1) + ", whose checkpoint is not "
          + "published, so a resume trains epoch " + (committedEpochs + 1) + " and the rounds after it again");
      return Optional.empty();
    }
    String what = "the state after round " + p.round() + " of epoch " + p.epoch();
    java.util.concurrent.FutureTask<CheckpointManifest> task = new java.util.concurrent.FutureTask<>(() -> {
      try (MidEpochCheckpoints mid = opener.open()) {
        return p.write().to(mid);
      }
    });
    Thread writer = new Thread(task, "epochal-stop-checkpoint");
    writer.setDaemon(true);
    drain.admitAfterStop(p.epoch(), writer); // its guard runs on that thread, right before it publishes
    writer.start();
    try {
      if (task.get(Math.max(0, budget.toMillis()), java.util.concurrent.TimeUnit.MILLISECONDS) == null) {
        return Optional.empty(); // said by the write
      }
      writtenStep = p.step();
      return Optional.of("a mid-epoch checkpoint holds rounds 1-" + p.round() + " of epoch " + p.epoch()
          + " (step " + p.step() + ")");
    } catch (java.util.concurrent.TimeoutException e) {
      // its guard may run still: it publishes only if it was admitted before this
      listener.warning(String.format(java.util.Locale.ROOT, drain.withdrawAfterStop(p.epoch())
          ? "stopping: %s was not written as a mid-epoch checkpoint within %.1f s; it is given up (nothing of it "
              + "becomes visible), and a resume trains those rounds again"
          : "stopping: %s was still being published as a mid-epoch checkpoint (its directory renamed into place) "
              + "%.1f s after the stop; it becomes visible if the rename completes, and a resume then continues "
              + "after it (else trains those rounds again)", what, budget.toMillis() / 1000.0));
    } catch (java.util.concurrent.ExecutionException e) {
      listener.warning("stopping: " + what + " could not be written as a mid-epoch checkpoint ("
          + FailureClassifier.firstLine(String.valueOf(e.getCause().getMessage())) + "); a resume trains those "
          + "rounds again");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return Optional.empty();
  }
}
