package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.IOException;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Before a retry, at a start and at the end: the wait for the job's storage to take writes again.
 * A NameNode that restarts is unreachable, then in safe mode, for tens of seconds to minutes; each
 * retry that started meanwhile would fail at once and use up {@code retry.max_attempts} in seconds,
 * a job started meanwhile would fail before it trained, and one ending meanwhile after it trained.
 * So a retry first renews the lease (a write to the job directory), a start takes it, an end marks
 * the job COMPLETED, and while that fails for want of storage it is tried again every 2 seconds for
 * up to {@code retry.storage_wait_ms}, saying so every 15 seconds. The wait is not an attempt. A
 * lease another driver took is not waited for: it fails at once.
 */
final class StorageWait {

  /**
   * A write to the job directory that says whether storage is back: the lease's renewal, the job's
   * start or its end. Storage that is away is a {@link FailureReason#STORAGE_UNAVAILABLE} failure.
   */
  @FunctionalInterface
  interface Probe {
    void run() throws TrainingException, IOException;
  }

  /** What the wait comes before: the word said when storage is back, the advice when it is not. */
  enum Purpose {
    /** A retry's lease renewal. */
    RETRY("retrying", "the run tries again while retry.max_attempts allow; once they are spent, resume the job "
        + "(give each wait longer with --set retry.storage_wait_ms=N)"),
    /** A run's start: its job.json, lease and state written. */
    START("starting", "run the command again (or give the start longer with --set retry.storage_wait_ms=N)"),
    /** A checkpoint's write the file system refused until someone acts: full, over a quota, read-only. */
    COMMIT("writing the checkpoint", "free space or raise the quota (or give it write access): the run tries "
        + "again while retry.max_attempts allow; once they are spent, resume the job: the previous checkpoint "
        + "stays the latest (give each wait longer with --set retry.storage_wait_ms=N)"),
    /** A run's end: every epoch committed, the job marked COMPLETED. */
    FINISH("marking the job COMPLETED", "resume the job: every epoch is committed, so the resume marks it "
        + "COMPLETED and trains nothing (or give the end longer with --set retry.storage_wait_ms=N)");

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
    return new StorageWait(probe, purpose, dir.spec().jobDirText(), patienceMs, listener, dir.outcome()::shuttingDown,
        () -> System.nanoTime() / 1_000_000, Thread::sleep);
  }

  /**
   * The wait of a checkpoint's write on {@code dir} that the file system refuses until someone acts ({@code probe}
   * throws STORAGE_UNAVAILABLE for it): tried again every few seconds up to {@code patienceMs}, said every 15 s.
   */
  static StorageWait forCommit(JobDirectory dir, Probe probe, long patienceMs, TrainingListener listener) {
    return onRealClock(probe, Purpose.COMMIT, dir, patienceMs, listener);
  }

  /** A write to the job directory at a run's start or end, tried again while storage refuses it. */
  @FunctionalInterface
  interface Write<T> {
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
  static <T> T starting(JobDirectory dir, Write<T> write, long patienceMs, TrainingListener listener)
      throws IOException, TrainingException {
    return waitingFor(dir, write, Purpose.START, "cannot start job " + dir.spec().jobDirText(), patienceMs, listener);
  }

  /**
   * Marks {@code dir}'s job COMPLETED at the end of a run whose every epoch is committed ({@link
   * JobDirectory#complete}), waiting up to {@code patienceMs} while storage refuses the lease's read
   * or the state's write, as a start does: a NameNode that restarts just after the last commit
   * does not fail a run that trained everything.
   *
   * @throws IOException the failure to mark it; for want of storage, once the wait is over, saying
   *     that a resume marks it and trains nothing
   * @throws TrainingException INTERRUPTED when the thread is interrupted while it waits
   */
  static void finishing(JobDirectory dir, long patienceMs, TrainingListener listener)
      throws IOException, TrainingException {
    finishing(dir, () -> true, patienceMs, listener);
  }

  /**
   * As {@link #finishing(JobDirectory, long, TrainingListener)}, doing {@code first} before the mark, in the same
   * wait: the amendment of {@code job.json} of a job that stopped early, which is part of its end; no mark when it
   * answers false (the job is not this driver's to end).
   *
   * @return what {@code first} answered
   */
  static boolean finishing(JobDirectory dir, Write<Boolean> first, long patienceMs, TrainingListener listener)
      throws IOException, TrainingException {
    return waitingFor(dir, () -> {
      boolean mark = first.run();
      if (mark) {
        dir.complete();
      }
      return mark;
    }, Purpose.FINISH, "cannot mark job " + dir.spec().jobDirText() + " COMPLETED", patienceMs, listener);
  }

  private static <T> T waitingFor(JobDirectory dir, Write<T> write, Purpose purpose, String cannot,
      long patienceMs, TrainingListener listener) throws IOException, TrainingException {
    java.util.concurrent.atomic.AtomicReference<T> result = new java.util.concurrent.atomic.AtomicReference<>();
    Probe probe = () -> {
      try {
        result.set(write.run());
      } catch (IOException e) {
        if (!FailureClassifier.isStorageFailure(e)) {
          throw e;
        }
        throw new TrainingException(FailureReason.STORAGE_UNAVAILABLE, 0, 0, cannot + ": "
            + FailureClassifier.withoutStackFrames(e.getMessage()), e);
      }
    };
    try {
      onRealClock(probe, purpose, dir, patienceMs, listener).await();
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
