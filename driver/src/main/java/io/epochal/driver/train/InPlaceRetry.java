package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.spark.EpochalSpark;

/**
 * Retries work that repeats on the state at hand, without reloading a checkpoint: an epoch's
 * held-out evaluation, which reads the epoch's trained state and changes nothing, and the write of
 * its checkpoint from that state ({@link EpochCommit}) are done again instead of failing the
 * attempt (whose retry would train the epoch again). It shares the run's {@link FailureManager}:
 * the same reasons are retried, each retry is an attempt counted against {@code
 * retry.max_attempts} and waits the same backoff, and each failure is recorded in the job's
 * history as an attempt's would be. A failure that is not retried is thrown for the attempt to fail
 * with, and recorded there.
 */
final class InPlaceRetry {

  private final FailureManager failures;
  private final JobDirectory dir;
  private final EpochalSpark spark;
  private final int maxAttempts;
  private final TrainingListener listener;
  private final Runnable interruptCleared;
  /** Where the work of each failure passed on began, by the failure (compared by identity). */
  private final java.util.Map<Throwable, StopCauses.Window> failedWindows =
      java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

  /**
   * A retry with the run's {@code failures}; {@code interruptCleared} is told when an interrupt
   * during a backoff was cleared (for the job to set it again when it returns: the work still to do
   * before, the failure's record and the release of the lease, refuses an interrupted thread).
   */
  InPlaceRetry(FailureManager failures, JobDirectory dir, EpochalSpark spark, int maxAttempts,
      TrainingListener listener, Runnable interruptCleared) {
    this.failures = checkNotNull(failures, "failures");
    this.dir = checkNotNull(dir, "dir");
    this.spark = checkNotNull(spark, "spark");
    this.maxAttempts = maxAttempts;
    this.listener = checkNotNull(listener, "listener");
    this.interruptCleared = checkNotNull(interruptCleared, "interruptCleared");
  }

  /** A checkpoint was committed: the run's attempts count again from the first ({@link FailureManager#progressed}). */
  void progressed() {
    failures.progressed();
  }

  /** Work that can be repeated on the state at hand. */
  @FunctionalInterface
  interface Work<T> {
    T run() throws TrainingException;
  }

  /**
   * Runs {@code work} until it succeeds or fails in a way the run does not retry ({@link #retry}).
   *
   * @param again what a retry does, for the warning ("evaluating epoch 3's trained state again")
   * @throws TrainingException the failure that is not retried
   */
  <T> T run(Work<T> work, String again) throws TrainingException {
    return run(work, again, Integer.MAX_VALUE);
  }

  /**
   * As {@link #run(Work, String)}, retrying in place at most {@code inPlace} times: a failure after
   * those is thrown for the attempt to fail with (and the run to retry it from a checkpoint, when
   * attempts are left), for work whose repeated failure may come from what the attempt set up.
   */
  <T> T run(Work<T> work, String again, int inPlace) throws TrainingException {
    int retried = 0;
    while (true) {
      StopCauses.Window begun = StopCauses.Window.begin(spark);
      try {
        return work.run();
      } catch (TrainingException failure) {
        if (retried++ >= inPlace) {
          failedWindows.put(failure, begun);
          throw failure;
        }
        try {
          retry(failure, begun, again);
        } catch (TrainingException notRetried) {
          failedWindows.put(notRetried, begun);
          throw notRetried;
        }
      }
    }
  }

  /**
   * Where the work whose failure {@code thrown} is (or holds as a cause) began, if this retry passed
   * it on: the attempt judges it from there ({@link StopCauses.Window}), not from its own start.
   * Rounds and a commit may run, and fail, at once: each failure keeps its own work's window.
   */
  java.util.Optional<StopCauses.Window> windowOf(Throwable thrown) {
    Throwable t = thrown;
    for (int depth = 0; t != null && depth < 20; t = t.getCause(), depth++) {
      StopCauses.Window w = failedWindows.get(t);
      if (w != null) {
        return java.util.Optional.of(w);
      }
    }
    return java.util.Optional.empty();
  }

  /**
   * After {@code thrown}, a failure of work begun at {@code begun}: when the run's failure manager
   * retries its reason (and the driver is not shutting down), records it in the job's history, says
   * that {@code again} follows, waits the backoff and returns, for the caller to repeat the work;
   * otherwise throws {@code thrown} for the attempt to fail with, as it would without this retry
   * (the attempt records and classifies it).
   *
   * @throws TrainingException {@code thrown}, or INTERRUPTED when the thread is interrupted while it
   *     waits
   */
  private void retry(TrainingException thrown, StopCauses.Window begun, String again) throws TrainingException {
    if (dir.outcome().shuttingDown()) {
      throw thrown;
    }
    TrainingException e = begun.judge(thrown, spark);
    java.util.Optional<FailureManager.Retry> claimed = failures.claimRetry(e);
    if (claimed.isEmpty()) {
      throw thrown;
    }
    FailureManager.Retry retry = claimed.get();
    dir.failure(e, retry.failedAttempt(), maxAttempts, true);
    listener.warning("attempt " + retry.failedAttempt() + " failed (" + e.reason() + "): " + e.getMessage() + "; "
        + again + " in " + retry.waitMs() + " ms");
    try {
      failures.backoff(retry, e);
    } catch (TrainingException interrupted) {
      if (Thread.interrupted()) {
        interruptCleared.run();
      }
      throw interrupted;
    }
  }
}
