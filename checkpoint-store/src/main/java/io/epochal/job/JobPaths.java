package io.epochal.job;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Locale;
import org.apache.hadoop.fs.Path;

/** The names of the job-level files inside a job directory. */
public final class JobPaths {

  /** The job spec, written once. */
  public static final String JOB_SPEC = "job.json";
  /** The heartbeat record of the current lease holder. */
  public static final String LEASE = "lease.json";
  /** The directory of claimed fencing tokens. */
  public static final String LEASE_TOKENS = "lease";
  /** The note a relocated job leaves at its old directory. */
  public static final String RELOCATED = "relocated.json";
  /** The persisted job state. */
  public static final String STATE = "state.json";
  /** The directory of per-attempt event logs. */
  public static final String EVENTS = "events";
  /** Where the running driver is in the job ({@link JobProgress}). */
  public static final String PROGRESS = "progress.json";
  /** The SHA-256 of the weights the job's first epoch starts from ({@link StartingWeightsRecord}). */
  public static final String INIT = "init.json";

  private JobPaths() {}

  /** {@code <jobDir>/job.json}. */
  public static Path jobSpec(Path jobDir) {
    return new Path(checkNotNull(jobDir, "jobDir"), JOB_SPEC);
  }

  /** {@code <jobDir>/lease.json}. */
  public static Path lease(Path jobDir) {
    return new Path(checkNotNull(jobDir, "jobDir"), LEASE);
  }

  /** {@code <jobDir>/lease}. */
  public static Path leaseTokens(Path jobDir) {
    return new Path(checkNotNull(jobDir, "jobDir"), LEASE_TOKENS);
  }

  /** {@code <jobDir>/lease/token-000000000042}. */
  public static Path leaseToken(Path jobDir, long token) {
    checkArgument(token > 0, "fencing token must be positive, got %s", token);
    return new Path(leaseTokens(jobDir), String.format(Locale.ROOT, "token-%012d", token));
  }

  /**
   * {@code <jobDir>/lease/heartbeat-000000000042}: the newest heartbeat of the holder of that token,
   * which only that holder writes (a superseded driver's late write of {@code lease.json} cannot
   * hide it).
   */
  public static Path leaseHeartbeat(Path jobDir, long token) {
    checkArgument(token > 0, "fencing token must be positive, got %s", token);
    return new Path(leaseTokens(jobDir), String.format(Locale.ROOT, "heartbeat-%012d", token));
  }

  /** The token number in a {@code heartbeat-NNNNNNNNNNNN} file name, or -1 if the name is not one. */
  static long parseHeartbeatToken(String name) {
    return name.startsWith("heartbeat-") ? parseToken("token-" + name.substring("heartbeat-".length())) : -1;
  }

  /** The token number in a {@code token-NNNNNNNNNNNN} file name, or -1 if the name is not one. */
  static long parseToken(String name) {
    if (!name.startsWith("token-") || name.length() != "token-".length() + 12) {
      return -1;
    }
    try {
      return Long.parseLong(name.substring("token-".length()));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** {@code <jobDir>/relocated.json}: left where a job directory was moved from ({@code resume --relocate}). */
  public static Path relocated(Path jobDir) {
    return new Path(checkNotNull(jobDir, "jobDir"), RELOCATED);
  }

  /** {@code <jobDir>/state.json}. */
  public static Path state(Path jobDir) {
    return new Path(checkNotNull(jobDir, "jobDir"), STATE);
  }

  /** {@code <jobDir>/progress.json}. */
  public static Path progress(Path jobDir) {
    return new Path(checkNotNull(jobDir, "jobDir"), PROGRESS);
  }

  /** {@code <jobDir>/events}. */
  public static Path events(Path jobDir) {
    return new Path(checkNotNull(jobDir, "jobDir"), EVENTS);
  }

  /** {@code <jobDir>/events/attempt-0003.jsonl}. */
  public static Path attemptEvents(Path jobDir, int attempt) {
    return attemptEvents(jobDir, attempt, 0);
  }

  /**
   * {@code <jobDir>/events/attempt-0003.jsonl} for part 0, {@code attempt-0003.2.jsonl} for part
   * 2: where an attempt's history continues after the stream of its previous part broke.
   */
  public static Path attemptEvents(Path jobDir, int attempt, int part) {
    checkArgument(attempt >= 0, "attempt must be >= 0, got %s", attempt);
    checkArgument(part >= 0, "part must be >= 0, got %s", part);
    return new Path(events(jobDir), part == 0 ? String.format(Locale.ROOT, "attempt-%04d.jsonl", attempt)
        : String.format(Locale.ROOT, "attempt-%04d.%d.jsonl", attempt, part));
  }

  /** The attempt number in an {@code attempt-NNNN[.P].jsonl} file name, or -1 if the name is not one. */
  static int parseAttempt(String name) {
    int[] both = parseAttemptPart(name);
    return both == null ? -1 : both[0];
  }

  /** The attempt and part of an {@code attempt-NNNN[.P].jsonl} file name, or null if the name is not one. */
  static int[] parseAttemptPart(String name) {
    if (!name.startsWith("attempt-") || !name.endsWith(".jsonl")) {
      return null;
    }
    String middle = name.substring("attempt-".length(), name.length() - ".jsonl".length());
    int dot = middle.indexOf('.');
    try {
      int attempt = Integer.parseInt(dot < 0 ? middle : middle.substring(0, dot));
      int part = dot < 0 ? 0 : Integer.parseInt(middle.substring(dot + 1));
      return attempt >= 0 && part >= 0 ? new int[] {attempt, part} : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
