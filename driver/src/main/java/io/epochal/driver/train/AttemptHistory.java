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
 * that fails is a warning, never a failure of the run. Once closed it records nothing more (a
 * shutdown hook that runs after the run ended).
 */
final class AttemptHistory implements AutoCloseable {

  private final Path dir;
  private final int attempt;
  private final TrainingListener listener;
  /** Null once closed (guarded by this). */
  private JobEventLog.Writer writer;
  /** A failed append was said (guarded by this). */
  private boolean warned;

  private AttemptHistory(Path dir, int attempt, JobEventLog.Writer writer, TrainingListener listener) {
    this.dir = dir;
    this.attempt = attempt;
    this.writer = writer;
    this.listener = listener;
  }

  /** Opens the history of {@code attempt} in {@code log}'s job directory {@code dir}. */
  static AttemptHistory open(JobEventLog log, Path dir, int attempt, TrainingListener listener) throws IOException {
    return new AttemptHistory(dir, attempt, log.openAttempt(attempt), checkNotNull(listener, "listener"));
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

  /** Appends {@code event} (nothing once closed), for a caller that reports the failure itself. */
  synchronized void appendOrThrow(JobEvent event) throws IOException {
    if (writer != null) {
      writer.append(event);
    }
  }

  /**
   * Records a failure: epoch, round, reason, which try of this driver ({@code tryNo} of {@code
   * maxTries}; or that its reason is not retried) and the root cause.
   */
  void failure(TrainingException e, int tryNo, int maxTries) {
    String message = String.valueOf(e.getMessage()) + (e.reason().retryable() ? " [try " + tryNo + " of " + maxTries
        : " [" + e.reason() + " is not retried") + "; cause: "
        + (e.getCause() == null ? "none" : FailureClassifier.rootCause(e.getCause())) + "]";
    append(event(JobEventType.FAILURE, Instant.now()).optEpoch(e.epoch()).optRound(e.round())
        .optReason(e.reason().name()).optMessage(message).build());
  }

  /** Closes the file; later appends record nothing. */
  @Override
  public synchronized void close() throws IOException {
    if (writer != null) {
      JobEventLog.Writer w = writer;
      writer = null;
      w.close();
    }
  }
}
