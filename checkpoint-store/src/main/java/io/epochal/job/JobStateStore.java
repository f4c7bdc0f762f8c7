package io.epochal.job;

import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads and moves the job's {@code state.json}. Every write replaces the file atomically (temp
 * file + rename), so a reader sees the old or the new state, never a torn one. Only the lease
 * holder should write it; this class does not check the lease.
 */
public final class JobStateStore {

  private static final Logger LOG = LoggerFactory.getLogger(JobStateStore.class);

  private final JobFs fs;
  private final Path file;
  private final Clock clock;

  /** The state of the job in {@code jobDir}, timed by {@code clock}. */
  public JobStateStore(FileSystem fs, Path jobDir, Clock clock) {
    this.fs = new JobFs(checkNotNull(fs, "fs"));
    this.file = JobPaths.state(checkNotNull(jobDir, "jobDir"));
    this.clock = checkNotNull(clock, "clock");
  }

  /** The state of the job in {@code jobDir}, timed by the system clock. */
  public JobStateStore(FileSystem fs, Path jobDir) {
    this(fs, jobDir, Clock.systemUTC());
  }

  /**
   * The stored status, or empty for a job that never started.
   *
   * @throws JobFileFormatException if {@code state.json} cannot be parsed
   */
  public Optional<JobStatus> read() throws IOException {
    Optional<byte[]> bytes = fs.readIfExists(file);
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    try {
      JsonNode node = JobSpecStore.MAPPER.readTree(bytes.get());
      return Optional.of(JobStatus.fromJson(node));
    } catch (IOException | IllegalArgumentException e) {
      throw new JobFileFormatException(file, "", e);
    }
  }

  /**
   * Moves a COMPLETED job back to RUNNING for {@code attempt}: for a job whose final checkpoint
   * turned out damaged, so that the epochs after its newest verified checkpoint are trained again.
   * No other way leads out of COMPLETED.
   *
   * @throws IllegalStateException if the job is not COMPLETED
   */
  public JobStatus reopen(int attempt, String reason) throws IOException {
    Optional<JobStatus> current = read();
    if (current.isEmpty() || current.get().getState() != JobState.COMPLETED) {
      throw new IllegalStateException("job " + file.getParent() + " is " + current.map(s -> s.getState().name())
          .orElse("not started") + "; only a COMPLETED job is reopened");
    }
    return write(JobStatus.of(JobState.RUNNING, attempt, clock.instant(), reason));
  }

  /**
   * Moves the job to {@code next} for {@code attempt}.
   *
   * @param reason why (required in practice for FAILED), may be null
   * @throws IllegalStateException if the current state does not allow {@code next} (for example a
   *     COMPLETED job cannot run again: start a new job directory), or if a job that never
   *     started is moved to anything but RUNNING
   */
  public JobStatus transition(JobState next, int attempt, String reason) throws IOException {
    checkNotNull(next, "next");
    Optional<JobStatus> current = read();
    if (current.isEmpty()) {
      if (next != JobState.RUNNING) {
        throw new IllegalStateException("job state " + file + " does not exist; a job must first "
            + "become RUNNING, not " + next);
      }
    } else {
      JobState from = current.get().getState();
      if (!from.canBecome(next)) {
        throw new IllegalStateException("job " + file.getParent() + " is " + from + " (attempt "
            + current.get().getAttempt() + ") and cannot become " + next
            + (from == JobState.COMPLETED ? "; a completed job is final, start a new job directory" : ""));
      }
    }
    return write(JobStatus.of(next, attempt, clock.instant(), reason));
  }

  private JobStatus write(JobStatus status) throws IOException {
    fs.replace(file, JobSpecStore.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(status.toJson()));
    LOG.info("Job {} is now {}", file.getParent(), status);
    return status;
  }
}
