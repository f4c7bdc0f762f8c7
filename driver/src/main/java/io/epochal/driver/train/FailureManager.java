package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * Decides whether a failed attempt is retried and how long to wait: only retryable reasons, at
 * most {@code maxAttempts} attempts since the newest committed checkpoint ({@link #progressed}),
 * waiting {@code backoffMs * 2^(n-1)} (capped at one minute) before attempt {@code n + 1}. A user
 * error (bad input, bad configuration) is never retried, nor is a commit the file system refuses
 * until someone acts (full, read-only, no permission): a retry would be refused the same way.
 * Thread-safe: the attempts a run retries in place ({@link InPlaceRetry}) may come from the
 * training thread and the checkpoint writer at once.
 */
public final class FailureManager {

  private static final long MAX_BACKOFF_MS = 60_000;

  private final int maxAttempts;
  private final long backoffMs;
  private int attempts = 1;

  FailureManager(int maxAttempts, long backoffMs) {
    checkArgument(maxAttempts >= 1, "retry.max_attempts must be >= 1, got %s", maxAttempts);
    checkArgument(backoffMs >= 0, "retry.backoff_ms must be >= 0, got %s", backoffMs);
    this.maxAttempts = maxAttempts;
    this.backoffMs = backoffMs;
  }

  /** Whether {@code failure} would be retried now; counts nothing ({@link #claimRetry} does). */
  synchronized boolean shouldRetry(TrainingException failure) {
    return failure.reason().retryable() && !refusedUntilFixed(failure) && attempts < maxAttempts;
  }

  /** A retry {@link #claimRetry claimed}: the attempt that failed, and the wait before the next one. */
  record Retry(int failedAttempt, long waitMs) {}

  /**
   * The retry after {@code failure}, if it is retried: checks and counts the attempt in one step, so
   * that two threads failing at once (a round, and the commit of the epoch before it) cannot both take
   * the last attempt; empty when it is not retried.
   */
  synchronized java.util.Optional<Retry> claimRetry(TrainingException failure) {
    if (!shouldRetry(failure)) {
      return java.util.Optional.empty();
    }
    Retry retry = new Retry(attempts, nextBackoffMs());
    attempts++;
    return java.util.Optional.of(retry);
  }

  /**
   * Whether {@code failure} is a commit the job's file system refuses until it is given space (a
   * full disk, an exhausted quota) or write access, a round PyTorch refuses for the job's own
   * rows and batch size (a batch of one sample to a BatchNorm), a round whose results exceed
   * the user's {@code spark.driver.maxResultSize}, tasks the executors cannot deserialize (their
   * classes are not the driver's), or a round whose executors ran out of memory
   * (Spark has already run its tasks again on new executors, up to its own limit, and the state
   * they return is the same size in every attempt), or a checkpoint whose manifest a reader would
   * refuse as too large: a retry would fail the same way.
   */
  static boolean refusedUntilFixed(TrainingException failure) {
    return refusedByStorage(failure) || failure.reason() == FailureReason.CHECKPOINT_WRITE_FAILED
        && FailureClassifier.find(failure, io.epochal.checkpoint.ManifestTooLargeException.class) != null
        || failure.reason() == FailureReason.TASK_FAILED && FailureClassifier.isOneSampleBatch(failure)
        || FailureClassifier.isResultSizeLimit(failure)
        || FailureClassifier.isTaskClassMismatch(failure)
        || ExecutorMemoryCheck.ranOutOfMemory(failure);
  }

  /**
   * Whether {@code failure} is a commit the job's file system refuses until it is given space (a full disk, an
   * exhausted quota) or write access: the storage, which someone may fix while the driver waits.
   */
  static boolean refusedByStorage(TrainingException failure) {
    return failure.reason() == FailureReason.CHECKPOINT_WRITE_FAILED && FailureClassifier.isWriteRefused(failure);
  }

  /**
   * Whether a driver started again on the job (by a supervisor, or by hand without a change) would
   * fail as {@code failure} did: a reason that is never retried, but a stop by a signal (what a
   * supervisor's restart is for); a failure {@link #refusedUntilFixed refused until someone acts};
   * or a task failure, which repeated in every attempt of the run and repeats on a new start too.
   * Storage that stays unreachable, executors lost and failed commits can pass, and do not count.
   */
  public static boolean repeatsOnRestart(TrainingException failure) {
    FailureReason reason = failure.reason();
    return !reason.retryable() && reason != FailureReason.INTERRUPTED || refusedUntilFixed(failure)
        || reason == FailureReason.TASK_FAILED;
  }

  /**
   * The failure to report when no retry follows: {@code last} itself for a reason that is never
   * retried, else {@code last} with the number of attempts made added to its message.
   */
  synchronized TrainingException finalFailure(TrainingException last) {
    if (!last.reason().retryable() || refusedUntilFixed(last)) {
      return last;
    }
    return new TrainingException(last.reason(), last.epoch(), last.round(), "gave up after " + attempts + " of "
        + maxAttempts + " attempts (retry.max_attempts); last failure: " + last.getMessage(), last);
  }

  /** Attempts made so far. */
  synchronized int attempts() {
    return attempts;
  }

  /**
   * A checkpoint was committed: the attempts (and their backoff) count again from the first, so
   * {@code retry.max_attempts} bounds the failures since the newest checkpoint, not those of a whole
   * long run, as Flink's failure-rate restarts and YARN's {@code attemptFailuresValidityInterval} do.
   * Work that keeps failing commits nothing and still runs out of attempts.
   */
  synchronized void progressed() {
    attempts = 1;
  }

  /** The wait before the next attempt. */
  synchronized long nextBackoffMs() {
    long factor = 1L << Math.min(20, attempts - 1);
    return Math.min(MAX_BACKOFF_MS, backoffMs * factor);
  }

  /**
   * Waits the backoff of {@code retry}, claimed after {@code failure}.
   *
   * @throws TrainingException INTERRUPTED (not retried) when the thread is interrupted while it
   *     waits, at {@code failure}'s epoch and round, with {@code failure} attached
   */
  void backoff(Retry retry, TrainingException failure) throws TrainingException {
    try {
      Thread.sleep(retry.waitMs());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      TrainingException stop = new TrainingException(FailureReason.INTERRUPTED, failure.epoch(), failure.round(),
          "the thread running the job was interrupted while it waited to retry after " + failure.reason() + " ("
          + FailureClassifier.firstLine(failure.getMessage()) + "); the job is not retried", e);
      stop.addSuppressed(failure);
      throw stop;
    }
  }
}
