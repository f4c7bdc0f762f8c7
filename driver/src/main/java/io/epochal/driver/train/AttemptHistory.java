package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.job.JobEvent;
import io.epochal.job.JobEventLog;
import io.epochal.job.JobEventType;
import java.io.IOException;
import java.time.Instant;
import org.apache.hadoop.fs.Path;

/**
 * The history of one driver attempt of a job, {@code events/attempt-NNNN.jsonl}, while the attempt
 * runs: every event is appended as it happens (and flushed, so {@code status} sees it); an append
 * that fails is a warning, never a failure of the run, and neither is a close that fails. When the
 * file's stream breaks (on HDFS: its DataNodes lost, the NameNode restarted), the next event opens
 * a new part of the history ({@code attempt-NNNN.1.jsonl}) and goes there, so the run's later
 * events (its commits, how it ended) are recorded once the file system answers again. Once closed
 * it records nothing more (a shutdown hook that runs after the run ended).
 */
final class AttemptHistory implements AutoCloseable {

  /** The most parts one attempt's history is continued in; a file system that breaks more is left unrecorded. */
  static final int MAX_PARTS = 20;

  private final JobEventLog log;
  private final Path dir;
  private final int attempt;
  private final TrainingListener listener;
  /** The open part, or null while none is (its stream broke, or closed) (guarded by this). */
  private JobEventLog.Writer writer;
  /** The number of the open or last part (guarded by this). */
  private int part;
  /** Closed: nothing more is recorded (guarded by this). */
  private boolean closed;
  /** A failed append was said (guarded by this). */
  private boolean warned;
  /** Parts whose stream broke, still open on the file system until recovered (guarded by this). */
  private final java.util.List<org.apache.hadoop.fs.Path> unrecovered = new java.util.ArrayList<>();

  private AttemptHistory(JobEventLog log, Path dir, int attempt, JobEventLog.Writer writer,
      TrainingListener listener) {
    this.log = log;
    this.dir = dir;
    this.attempt = attempt;
    this.writer = writer;
    this.listener = listener;
  }

  /** Opens the history of {@code attempt} in {@code log}'s job directory {@code dir}. */
  static AttemptHistory open(JobEventLog log, Path dir, int attempt, TrainingListener listener) throws IOException {
    return new AttemptHistory(log, dir, attempt, log.openAttempt(attempt), checkNotNull(listener, "listener"));
  }

  /** The driver attempt whose history this is. */
  int attempt() {
    return attempt;
  }

  /** A builder of an event of this attempt that happens at {@code time}. */
  JobEvent.Builder event(JobEventType type, Instant time) {
    return JobEvent.builder(type, time, attempt);
  }

  /** Appends {@code event}; a failure to is a warning naming the directory, said once per attempt. */
  synchronized void append(JobEvent event) {
    try {
      appendOrThrow(event);
    } catch (IOException e) {
      if (!warned) {
        warned = true;
        listener.warning("cannot append to the event history in " + dir + ": " + e.getMessage() + " (training goes "
            + "on; this run's later events may be missing from the history too)");
      }
    }
  }

  /**
   * Appends {@code event} (nothing once closed), for a caller that reports the failure itself. A
   * part whose stream broke is given up (a broken HDFS stream stays broken), and the event goes to
   * a new part if the file system takes it.
   */
  synchronized void appendOrThrow(JobEvent event) throws IOException {
    if (closed) {
      return;
    }
    boolean fresh = writer == null;
    try {
      appendToOpenPart(event);
    } catch (IOException e) {
      if (fresh) {
        throw e; // the new part failed too: the file system is still away
      }
      appendToOpenPart(event); // the old part's stream broke; one new part
    }
    unrecovered.removeIf(log::recover); // the file system answers again: close the parts left open
    if (warned) {
      warned = false;
      listener.warning("the event history is written again, continued in " + writer.getFile());
    }
  }

  private void appendToOpenPart(JobEvent event) throws IOException {
    if (writer == null) {
      if (part + 1 >= MAX_PARTS) {
        throw new IOException("the event history of attempt " + attempt + " was continued in " + MAX_PARTS
            + " files already; this run records no more events");
      }
      try {
        writer = log.openContinuation(attempt, part + 1); // throws while the file system is away
      } catch (java.nio.file.FileAlreadyExistsException | org.apache.hadoop.fs.FileAlreadyExistsException taken) {
        part++; // a create whose answer was lost made it: the next try takes the number after it
        throw taken;
      }
      part++;
    }
    try {
      writer.append(event);
    } catch (IOException e) {
      writer.abandon(); // whatever is appended to a broken stream is lost
      unrecovered.add(writer.getFile());
      writer = null;
      throw e;
    }
  }

  /**
   * Records a failure: epoch, round, reason, which try of this driver ({@code tryNo} of {@code
   * maxTries}, and whether it is retried in place, from the state in memory; or that its reason is
   * not retried, or that this failure is not because a retry would fail alike) and the root cause.
   */
  void failure(TrainingException e, int tryNo, int maxTries, boolean inPlace) {
    String message = String.valueOf(e.getMessage()) + (!e.reason().retryable() ? " [" + e.reason() + " is not retried"
        : FailureManager.refusedUntilFixed(e) ? " [not retried: it fails alike until its cause is fixed"
        : " [try " + tryNo + " of " + maxTries + (inPlace ? ", retried in place from the state in memory" : ""))
        + "; cause: "
        + (e.getCause() == null ? "none" : FailureClassifier.rootCause(e.getCause())) + "]";
    append(event(JobEventType.FAILURE, Instant.now()).optEpoch(e.epoch()).optRound(e.round())
        .optReason(e.reason().name()).optMessage(message).build());
  }

  /**
   * Closes the file; later appends record nothing. A close that fails (the file system went away
   * after the last event) is a warning: every event was flushed when it was appended.
   */
  @Override
  public synchronized void close() {
    closed = true;
    if (writer != null) {
      JobEventLog.Writer w = writer;
      writer = null;
      try {
        w.close();
      } catch (IOException | RuntimeException e) {
        w.abandon();
        unrecovered.add(w.getFile());
        listener.warning("cannot close the event history " + w.getFile() + ": " + e.getMessage() + " (every event "
            + "of this run was flushed as it was written; a reader may see the file only once the file system has "
            + "recovered it)");
      }
    }
  }
}
