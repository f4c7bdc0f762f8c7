package io.epochal.driver.train;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The stop of a driver whose JVM shuts down (SIGTERM, SIGINT, {@code System.exit}, Spark's exit on
 * an OutOfMemoryError) while it owns a job; runs as a shutdown hook, before Spark's own hooks and
 * before the file systems close.
 *
 * <p>In order: training is told not to retry; a checkpoint being written is let publish, waiting up
 * to {@link #COMMIT_WAIT} ({@link CommitDrain}), and every commit after that is refused by its
 * guard; inside an epoch, the state after the newest round is written as a mid-epoch checkpoint
 * ({@link StopSnapshot}) in the time left; the lease stops being renewed; the job is marked FAILED ({@link
 * FailureReason#INTERRUPTED}, or {@link FailureReason#DRIVER_OUT_OF_MEMORY} after the heap ran out),
 * or COMPLETED when its final checkpoint is published, the stop is recorded and the lease released
 * ({@link JobDirectory#recordStop}), so {@code resume} continues at once instead of waiting for the
 * lease to expire; then one message says what happened and how to continue.
 */
final class ShutdownStop implements Runnable {

  /** How long a stop waits for a checkpoint being written to be published. */
  static final Duration COMMIT_WAIT = Duration.ofSeconds(20);

  /**
   * Before Spark's shutdown hooks (registered at the file systems' priority + 30) stop the
   * SparkContext, and before the file systems are closed.
   */
  private static final int PRIORITY = org.apache.hadoop.fs.FileSystem.SHUTDOWN_HOOK_PRIORITY + 40;
  private static final long TIMEOUT_SECONDS = COMMIT_WAIT.toSeconds() + 10;
  /** What a stop keeps of its time for marking the job and releasing its lease, after its writes. */
  private static final long MARK_SECONDS = 5;

  private final JobDirectory dir;
  private final TrainingListener listener;
  private volatile boolean reported;
  /** Counted down when {@link #run} ends: the history and the lease are the stop's until then. */
  private final java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(1);
  /** Whether {@link #run} began: only a stop that runs is waited for. */
  private volatile boolean started;

  ShutdownStop(JobDirectory dir, TrainingListener listener) {
    this.dir = dir;
    this.listener = listener;
  }

  /**
   * The stop of the job {@code dir} has just started, registered with {@code hooks}; when the JVM
   * already shuts down, the job is given up at once (the JVM's hooks run already and would never
   * run this one, leaving the job RUNNING with no driver) and an IOException says so.
   */
  static ShutdownStop install(JobDirectory dir, StopHooks hooks, TrainingListener listener) throws java.io.IOException {
    ShutdownStop stop = new ShutdownStop(dir, listener);
    try {
      hooks.add(stop, PRIORITY, TIMEOUT_SECONDS);
    } catch (IllegalStateException shuttingDown) {
      stop.run();
      throw new java.io.IOException("the JVM began to shut down (SIGINT, SIGTERM or an exit) while job "
          + dir.spec().jobDirText() + " was started; it is given up before training", shuttingDown);
    }
    return stop;
  }

  @Override
  public void run() {
    started = true;
    try {
      stop();
    } finally {
      done.countDown();
    }
  }

  /**
   * Waits for a stop that began to end (the training thread, failing as the stop refuses its work, must
   * not close the history or release the lease under it); at most as long as the stop may take.
   */
  void awaitEnd() {
    if (!started) {
      return;
    }
    try {
      if (!done.await(TIMEOUT_SECONDS + 5, java.util.concurrent.TimeUnit.SECONDS)) {
        listener.warning("the stop did not end within " + (TIMEOUT_SECONDS + 5) + " s; closing the job directory");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void stop() {
    long start = System.nanoTime();
    List<Long> writing = dir.beginStop();
    if (!writing.isEmpty()) {
      long epoch = writing.get(writing.size() - 1);
      listener.warning("stopping: the checkpoint of epoch " + epoch + " is being written; waiting up to "
          + COMMIT_WAIT.toSeconds() + " s for it to be published before giving the job up");
      CommitDrain.Drained drained = dir.commits().awaitStopped(COMMIT_WAIT);
      if (drained.publishing().contains(epoch)) {
        listener.warning("the checkpoint of epoch " + epoch + " was still being published (its directory renamed "
            + "into place) " + COMMIT_WAIT.toSeconds() + " s after the stop; it becomes visible if the rename "
            + "completes, and a resume then continues after it (else from what the stop's last message names)");
      } else if (!drained.ended()) {
        listener.warning("the checkpoint of epoch " + epoch + " was not published within " + COMMIT_WAIT.toSeconds()
            + " s of the stop; it is discarded (nothing of it becomes visible)");
      }
    }
    // listed before the snapshot's budget is taken (a listing reads every checkpoint's manifest), so that it does
    // not eat into the seconds kept for marking the job
    long newest = dir.newestCommitted();
    // the rounds trained since the newest checkpoint: kept as a mid-epoch checkpoint while the lease is live
    Optional<String> kept = dir.commits().stopSnapshot().writeNow(() -> MidEpochCheckpoints.open(dir.spec(), dir,
        listener).atStop(), dir.commits(), listener, Duration.ofSeconds(TIMEOUT_SECONDS - MARK_SECONDS)
        .minusNanos(System.nanoTime() - start), newest);
    dir.stopHeartbeat(); // the commit waited for needs a live lease to publish
    JobDirectory.Position at = dir.position();
    Optional<String> heapOut = dir.heapExhaustion(); // Spark exits with code 52 on an OutOfMemoryError
    FailureReason reason = heapOut.isPresent() ? FailureReason.DRIVER_OUT_OF_MEMORY : FailureReason.INTERRUPTED;
    String why = heapOut.map(h -> "the driver's JVM is shutting down after " + h + " (Spark exits with code 52 when "
        + "a thread runs out of memory)").orElse("the driver's JVM is shutting down (SIGTERM, SIGINT or System.exit)")
        + (at.epoch() > 0 ? " in epoch " + at.epoch() + " round " + at.round() : "");
    Optional<JobOutcome.StopRecord> record = dir.recordStop(reason, why, at);
    if (record.isEmpty()) {
      if (dir.outcome().heldByAnother()) { // not this driver's to mark, nor to resume: its holder continues it
        listener.stopped("stopped: " + why + "; job " + dir.spec().jobDirText() + " is held by another driver now, "
            + "which continues it: this driver marked nothing, and nothing is to be resumed from here");
        reported = true;
      }
      return; // finished already, or another driver's job now
    }
    String job = dir.spec().jobDirText();
    // listed before the snapshot: a commit still publishing then (a slow rename) may have completed since
    long published = Math.max(newest, dir.knownCommitted());
    List<String> problems = record.get().problems();
    if (record.get().completed() && problems.isEmpty()) {
      // a resume --epochs that reopened the job, stopped before it wrote the amendment: complete as stored, and
      // trained on only when asked again
      String pending = dir.specFile().pendingOptions();
      listener.stopped("stopped: " + why + ", after the final checkpoint (epoch " + published + ") was published; job "
          + job + " is marked COMPLETED and its lease is released" + (pending.isEmpty() ? "" : "; this run's "
          + "changes to it were not written (the stop came first): to make them, continue with: "
          + listener.resumeCommand(dir.path()) + pending));
      reported = true;
      return;
    }
    listener.stopped((problems.isEmpty() ? "stopped: " + why + "; job " + job + " is marked FAILED (" + reason
        + ") and its lease is released" : "stopping: " + why + "; for job " + job + ": " + String.join("; ", problems))
        + (published > 0 ? ". Every checkpoint committed is kept, the newest of epoch " + published
        : ". No epoch was committed yet") + kept.map(k -> ", and " + k).orElse("") + "; "
        + (heapOut.isPresent() ? HeapWatch.advice() + ", then continue with: "
        + HeapWatch.withLargerHeap(listener.resumeCommand(dir.path())) : "continue with: "
        + listener.resumeCommand(dir.path())) + dir.specFile().pendingOptions());
    reported = true;
  }

  /** Whether this stop has said how the job ended and how to continue it. */
  boolean reported() {
    return reported;
  }
}
