package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.IOException;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Before a retry or a start: the wait for the job's storage to take writes again. A NameNode
 * that restarts is unreachable, then in safe mode, for tens of seconds to minutes; each retry that
 * started meanwhile would fail at once and use up {@code retry.max_attempts} in seconds, and a job
 * started meanwhile would fail before it trained. So a retry first renews the lease (a write to
 * the job directory), a start takes it, and while that fails for want of storage it is tried again
 * every 2 seconds for up to {@code retry.storage_wait_ms}, saying so every 15 seconds. The wait is
 * not an attempt. A lease another driver took is not waited for: it fails at once.
 */
final class StorageWait {

  /**
   * A write to the job directory that says whether storage is back: the lease's renewal, or the
   * job's start. Storage that is away is a {@link FailureReason#STORAGE_UNAVAILABLE} failure.
   */
  @FunctionalInterface
  interface Probe {
    void run() throws TrainingException, IOException;
  }

  /** What the wait comes before: the word said when storage is back, the advice when it is not. */
  enum Purpose {
    /** A retry's lease renewal. */
    RETRY("retrying", "resume the job (or give the retry longer with --set retry.storage_wait_ms=N)"),
    /** A run's start: its job.json, lease and state written. */
    START("starting", "run the command again (or give the start longer with --set retry.storage_wait_ms=N)");

    private final String next;
    private final String advice;

    Purpose(String next, String advice) {
      this.next = next;
      this.advice = advice;
    }
  }

  /** Sleeps for a number of milliseconds. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(long millis) throws InterruptedException;
  }

  static final long POLL_MS = 2_000;
  static final long SAY_EVERY_MS = 15_000;

  private final Probe probe;
  private final Purpose purpose;
  private final String jobDir;
  private final long patienceMs;
  private final TrainingListener listener;
  private final BooleanSupplier stopping;
  private final LongSupplier clockMs;
  private final Sleeper sleeper;

  StorageWait(Probe probe, Purpose purpose, String jobDir, long patienceMs, TrainingListener listener,
      BooleanSupplier stopping, LongSupplier clockMs, Sleeper sleeper) {
    checkArgument(patienceMs >= 0, "retry.storage_wait_ms must be >= 0, got %s", patienceMs);
    this.probe = checkNotNull(probe, "probe");
    this.purpose = checkNotNull(purpose, "purpose");
    this.jobDir = checkNotNull(jobDir, "jobDir");
    this.patienceMs = patienceMs;
    this.listener = checkNotNull(listener, "listener");
    this.stopping = checkNotNull(stopping, "stopping");
    this.clockMs = checkNotNull(clockMs, "clockMs");
    this.sleeper = checkNotNull(sleeper, "sleeper");
  }

  /** The wait of {@code dir}'s retries: its lease renewal, {@code retry.storage_wait_ms}, the real clock. */
  static StorageWait of(JobDirectory dir, long patienceMs, TrainingListener listener) {
    return onRealClock(dir::confirmLease, Purpose.RETRY, dir, patienceMs, listener);
  }

  /** A wait before {@code purpose} on {@code dir}, on the real clock and sleeping the thread. */
  private static StorageWait onRealClock(Probe probe, Purpose purpose, JobDirectory dir, long patienceMs,
      TrainingListener listener) {
    return new StorageWait(probe, purpose, dir.spec().jobDirText(), patienceMs, listener, dir::shuttingDown,
        () -> System.nanoTime() / 1_000_000, Thread::sleep);
  }

  /** A run's first writes to its job directory ({@code job.json}, the lease, the state). */
  @FunctionalInterface
  interface StartWrite<T> {
    T run() throws IOException;
  }

  /**
   * Does {@code write}, one of the first writes of a run to {@code dir} ({@link
   * JobDirectory#alreadyCompleted}, {@link JobDirectory#start}), waiting up to {@code patienceMs}
   * while storage refuses it (a NameNode in safe mode, restarting, unreachable); any other failure
   * is thrown at once. A write tried again must be one that may be: the start's writes are.
   *
   * @return what {@code write} returned
   * @throws IOException the write's failure; for want of storage, once the wait is over (nothing
   *     trained or marked: an I/O error, as without a wait)
   * @throws TrainingException INTERRUPTED when the thread is interrupted while it waits
   */
  static <T> T starting(JobDirectory dir, StartWrite<T> write, long patienceMs, TrainingListener listener)
      throws IOException, TrainingException {
    String jobDir = dir.spec().jobDirText();
    java.util.concurrent.atomic.AtomicReference<T> result = new java.util.concurrent.atomic.AtomicReference<>();
    Probe probe = () -> {
      try {
        result.set(write.run());
      } catch (IOException e) {
        if (!FailureClassifier.isStorageFailure(e)) {
          throw e;
        }
        throw new TrainingException(FailureReason.STORAGE_UNAVAILABLE, 0, 0, "cannot start job " + jobDir + ": "
            + FailureClassifier.withoutStackFrames(e.getMessage()), e);
      }
    };
    try {
      onRealClock(probe, Purpose.START, dir, patienceMs, listener).await();
    } catch (TrainingException e) {
      if (e.reason() != FailureReason.STORAGE_UNAVAILABLE) {
        throw e;
      }
      throw new IOException(e.getMessage(), e);
    }
    return result.get();
  }

  /**
   * Renews the lease (or starts the job), waiting for storage as long as the patience allows.
   *
   * @throws TrainingException LEASE_LOST at once; STORAGE_UNAVAILABLE when storage is still away
   *     after the patience (or at once with no patience, or when the JVM shuts down); INTERRUPTED
   *     when the thread is interrupted while it waits
   * @throws IOException a start's failure that is not for want of storage, at once
   */
  void await() throws TrainingException, IOException {
    long start = clockMs.getAsLong();
    long said = -1;
    while (true) {
      try {
        probe.run();
        if (said >= 0) {
          listener.message(jobDir + " takes writes again after " + seconds(clockMs.getAsLong() - start)
              + "; " + purpose.next);
        }
        return;
      } catch (TrainingException e) {
        long waited = clockMs.getAsLong() - start;
        if (e.reason() != FailureReason.STORAGE_UNAVAILABLE || stopping.getAsBoolean()) {
          throw e;
        }
        if (waited >= patienceMs) {
          throw patienceMs == 0 ? e : new TrainingException(e.reason(), e.epoch(), e.round(), e.getMessage()
              + "; " + jobDir + " took no writes for " + seconds(waited) + " (retry.storage_wait_ms = " + patienceMs
              + "): once its file system answers, " + purpose.advice, e);
        }
        if (said < 0 || waited - said >= SAY_EVERY_MS) {
          said = waited;
          listener.warning("waiting for " + jobDir + " to take writes again (" + FailureClassifier.firstLine(e.getMessage()) + "): "
              + seconds(waited) + " of up to " + seconds(patienceMs) + " (retry.storage_wait_ms); the wait is not an "
              + "attempt");
        }
        try {
          sleeper.sleep(Math.min(POLL_MS, patienceMs - waited));
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          TrainingException stop = new TrainingException(FailureReason.INTERRUPTED, e.epoch(), e.round(), "the "
              + "thread running the job was interrupted while it waited for " + jobDir + " to take writes again ("
              + FailureClassifier.firstLine(e.getMessage()) + "); the job is not retried", interrupted);
          stop.addSuppressed(e);
          throw stop;
        }
      }
    }
  }

  private static String seconds(long ms) {
    return (ms + 500) / 1000 + " s";
  }

}
