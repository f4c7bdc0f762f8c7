package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkArgument;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The checkpoint commits in flight, for a driver that is told to stop (SIGTERM, Ctrl-C). A stop
 * that comes while an epoch's checkpoint is being written lets that commit publish, waiting a
 * bounded time for it, so the epoch is kept instead of trained again; a commit that starts after
 * the stop, or has not reached the guard's last check when the wait ends, is refused by the
 * commit's guard and leaves nothing visible.
 *
 * <p>The writer thread reports each commit's start and end; the shutdown hook calls {@link #stop}
 * and then {@link #awaitStopped}; the commit guard asks {@link #admit} right before it publishes. A
 * commit the guard admitted is past the point of no return: its rename may still complete after
 * the wait ends, which the wait reports rather than calling it discarded.
 */
final class CommitDrain {

  /** Commits between their start and their end (guarded by this). */
  private final Set<Long> inFlight = new HashSet<>();
  /** Commits that were in flight when the stop came and may still publish (guarded by this). */
  private final Set<Long> finishing = new HashSet<>();
  /** Commits the guard admitted, whose publish (the rename) has not ended (guarded by this). */
  private final Set<Long> publishing = new HashSet<>();
  private boolean stopped; // guarded by this
  /** The stop's own mid-epoch checkpoint: its epoch and the thread that commits it (guarded by this). */
  private long snapshotEpoch = -1;
  private Thread snapshotWriter;
  /** The state the stop writes as a mid-epoch checkpoint, offered by the training thread after every round. */
  private final StopSnapshot snapshot = new StopSnapshot();

  /** The state after the newest round, which the stop writes as a mid-epoch checkpoint ({@link ShutdownStop}). */
  StopSnapshot stopSnapshot() {
    return snapshot;
  }

  /**
   * Lets the checkpoint of {@code epoch} that thread {@code writer} commits publish although its commit
   * begins after the stop: the mid-epoch checkpoint the stop writes itself ({@link StopSnapshot#writeNow}).
   * Only that thread's: a commit of the same epoch the training thread begins after the stop stays refused,
   * and another write's end of that epoch does not take the admission back.
   */
  synchronized void admitAfterStop(long epoch, Thread writer) {
    snapshotEpoch = epoch;
    snapshotWriter = writer;
  }

  /**
   * Takes {@link #admitAfterStop}'s admission of {@code epoch} back when the stop gives its write up, unless the
   * guard admitted it already (its publish began, and may complete).
   *
   * @return whether it was taken back: nothing of that write becomes visible
   */
  synchronized boolean withdrawAfterStop(long epoch) {
    if (publishing.contains(epoch) && snapshotEpoch == epoch) {
      return false;
    }
    if (snapshotEpoch == epoch) {
      snapshotEpoch = -1;
      snapshotWriter = null;
    }
    return true;
  }

  /** A commit of {@code epoch} begins (before its checkpoint is assembled). */
  synchronized void started(long epoch) {
    checkArgument(epoch > 0, "epoch must be positive, got %s", epoch);
    inFlight.add(epoch);
  }

  /** The commit of {@code epoch} ended, published or not. */
  synchronized void ended(long epoch) {
    inFlight.remove(epoch);
    finishing.remove(epoch);
    publishing.remove(epoch);
    notifyAll();
  }

  /**
   * The driver stops: no commit may publish from now on except those in flight at this moment.
   *
   * @return the epochs whose commits are in flight, oldest first (empty when none is)
   */
  synchronized List<Long> stop() {
    stopped = true;
    finishing.addAll(inFlight);
    return inFlight.stream().sorted().toList();
  }

  /** Whether the checkpoint of {@code epoch} must not be published: the driver stopped and it was not in flight then. */
  synchronized boolean refuses(long epoch) {
    return stopped && !finishing.contains(epoch)
        && !(epoch == snapshotEpoch && Thread.currentThread() == snapshotWriter);
  }

  /**
   * The commit guard's last check: whether the checkpoint of {@code epoch} may be published now
   * (not {@link #refuses refused}); if so it is recorded as publishing until it ends.
   */
  synchronized boolean admit(long epoch) {
    if (refuses(epoch)) {
      return false;
    }
    publishing.add(epoch);
    return true;
  }

  /**
   * The check a commit makes right before it publishes: {@code lease}'s ({@link
   * LeaseKeeper#commitGuard}), then {@link #admit}; a checkpoint refused for the stop is said once
   * through {@code warning}, the last word on it.
   */
  io.epochal.checkpoint.CommitGuard guard(LeaseKeeper lease, java.util.function.Consumer<String> warning) {
    Set<Long> said = java.util.concurrent.ConcurrentHashMap.newKeySet();
    return lease.commitGuard(epoch -> {
      boolean refused = !admit(epoch);
      if (refused && said.add(epoch)) { // the epoch trained, but its commit began after the stop or outlasted its wait
        warning.accept("the checkpoint of epoch " + epoch + " is not written: its commit began after the stop, or "
            + "had not reached its publish when the stop's wait ended; a resume trains epoch " + epoch + " again, "
            + "unless the stop keeps its rounds as a mid-epoch checkpoint (the stop's last message says)");
      }
      return refused;
    });
  }

  /** Whether {@link #stop} was called. */
  synchronized boolean isStopped() {
    return stopped;
  }

  /**
   * Waits until the commits in flight at the stop have ended, at most {@code timeout}; then
   * refuses those that have not reached the guard yet.
   *
   * @return whether they all ended within the time, and those the guard had admitted that had not
   */
  synchronized Drained awaitStopped(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    try {
      while (!finishing.isEmpty()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return new Drained(false, finishing.stream().filter(publishing::contains).sorted().toList());
        }
        java.util.concurrent.TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return new Drained(true, List.of());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Drained(false, finishing.stream().filter(publishing::contains).sorted().toList());
    } finally {
      finishing.clear();
    }
  }

  /**
   * What {@link #awaitStopped} found: whether every commit in flight at the stop ended, and the
   * epochs whose publish was under way when the wait ended (they become visible if it completes).
   */
  record Drained(boolean ended, List<Long> publishing) {}
}
