package io.epochal.driver.train;

import io.epochal.checkpoint.CheckpointManifest;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Commits checkpoints on its own thread so that writing epoch {@code e} overlaps training epoch
 * {@code e + 1}. At most one write is in flight: submitting the next waits for the previous and
 * rethrows its failure, so a failed write fails the job before another epoch is built on it. The
 * time the training thread spends waiting here is the stall checkpointing costs.
 */
final class CheckpointWriter implements AutoCloseable {

  private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "epochal-checkpoint-writer");
    t.setDaemon(true);
    return t;
  });
  private final CommitDrain drain;
  private final StallWatch watch;
  private final String where;
  private Future<CheckpointManifest> inFlight;
  private int inFlightEpoch;
  private String inFlightWhat;
  private long stallNanos;

  /**
   * A writer that reports each write's start and end to {@code drain} (a stop lets a write in
   * flight finish), and through {@code watch} a wait for a write that takes long, naming the job
   * directory {@code where}.
   */
  CheckpointWriter(CommitDrain drain, StallWatch watch, String where) {
    this.drain = drain;
    this.watch = watch;
    this.where = where;
  }

  /** A writer that reports each write's start and end to {@code drain}, and no long wait. */
  CheckpointWriter(CommitDrain drain) {
    this(drain, StallWatch.SILENT, "");
  }

  /** A writer whose writes no stop waits for. */
  CheckpointWriter() {
    this(new CommitDrain());
  }

  /** Waits for the previous write, then starts {@code write} for checkpoint {@code epoch}. */
  void submit(int epoch, Callable<CheckpointManifest> write) throws TrainingException {
    submit(epoch, "the checkpoint of epoch " + epoch, write);
  }

  /** As {@link #submit(int, Callable)}, the write described as {@code what} in messages (a mid-epoch checkpoint). */
  void submit(int epoch, String what, Callable<CheckpointManifest> write) throws TrainingException {
    await();
    drain.started(epoch);
    try {
      inFlight = executor.submit(() -> {
        try {
          return write.call();
        } finally {
          drain.ended(epoch);
        }
      });
    } catch (RuntimeException e) {
      drain.ended(epoch);
      throw e;
    }
    inFlightEpoch = epoch;
    inFlightWhat = what;
  }

  /** Waits for the write in flight, if any; rethrows its failure. */
  CheckpointManifest await() throws TrainingException {
    if (inFlight == null) {
      return null;
    }
    long start = System.nanoTime();
    try (StallWatch.Wait w = watch.begin(inFlightWhat + " to be written to " + where
        + " (training waits for it; a file system that does not answer holds it up)")) {
      CheckpointManifest written = inFlight.get();
      inFlight = null;
      return written;
    } catch (ExecutionException e) {
      inFlight = null; // ended: its failure is reported once
      Throwable cause = e.getCause();
      if (cause instanceof TrainingException) {
        throw (TrainingException) cause;
      }
      throw new TrainingException(FailureReason.CHECKPOINT_WRITE_FAILED, inFlightEpoch, 0,
          "writing " + inFlightWhat + " failed: " + cause, cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TrainingException(FailureReason.INTERRUPTED, inFlightEpoch, 0, "the thread running the job was "
          + "interrupted while it waited for " + inFlightWhat + " to be written; the job is "
          + "not retried (closing the writer interrupts that write: it becomes visible only if its rename was under "
          + "way)", e);
    } finally {
      stallNanos += System.nanoTime() - start;
    }
  }

  /**
   * Rethrows the failure of a write that has already ended, without waiting for one still
   * running: called before every round, so a failed write stops the job at once instead of after
   * the whole next epoch.
   */
  void checkFinished() throws TrainingException {
    if (inFlight != null && inFlight.isDone()) {
      await();
    }
  }

  /**
   * After {@code failure} ended training: lets the write in flight finish instead of abandoning
   * it, so the epoch it holds is kept (a retry then resumes from it rather than training it
   * again); a failure of that write is added to {@code failure}.
   */
  void finishAfter(Throwable failure) {
    try {
      await();
    } catch (TrainingException e) {
      failure.addSuppressed(e);
    }
  }

  /** Total time spent waiting for writes, in nanoseconds. */
  long stallNanos() {
    return stallNanos;
  }

  /**
   * Abandons a write in flight (its temporary directory never becomes visible) and stops the
   * thread; training paths first wait for it ({@link #await}, {@link #finishAfter}).
   */
  @Override
  public void close() {
    if (!executor.shutdownNow().isEmpty()) {
      drain.ended(inFlightEpoch); // a write that never started: nothing to wait for
    }
  }
}
