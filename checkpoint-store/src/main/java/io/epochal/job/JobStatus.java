package io.epochal.job;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Objects;

/** The persisted state of a job ({@code state.json}): state, attempt, time and reason. Immutable. */
public final class JobStatus {

  private final JobState state;
  private final int attempt;
  private final Instant updatedAt;
  private final String reason;

  private JobStatus(JobState state, int attempt, Instant updatedAt, String reason) {
    this.state = state;
    this.attempt = attempt;
    this.updatedAt = updatedAt;
    this.reason = reason;
  }

  /** A status; {@code reason} may be null. */
  public static JobStatus of(JobState state, int attempt, Instant updatedAt, String reason) {
    checkNotNull(state, "state");
    checkArgument(attempt >= 0, "attempt must be >= 0, got %s", attempt);
    checkNotNull(updatedAt, "updatedAt");
    return new JobStatus(state, attempt, updatedAt, reason);
  }

  /** The state. */
  public JobState getState() {
    return state;
  }

  /** The attempt that set it. */
  public int getAttempt() {
    return attempt;
  }

  /** When it was set. */
  public Instant getUpdatedAt() {
    return updatedAt;
  }

  /** Why (for FAILED, the failure), or null. */
  public String getReason() {
    return reason;
  }

  /** The JSON form. */
  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("state", state.name());
    n.put("attempt", attempt);
    n.put("updatedAt", updatedAt.toString());
    if (reason != null) {
      n.put("reason", reason);
    }
    return n;
  }

  /**
   * Parses the JSON form.
   *
   * @throws IllegalArgumentException naming the missing or malformed field
   */
  public static JobStatus fromJson(JsonNode n) {
    checkArgument(n != null && n.isObject(), "job state must be a JSON object, got %s", n);
    JsonNode attempt = n.get("attempt");
    checkArgument(attempt != null && attempt.isInt(), "job state field 'attempt' must be an integer, got %s", attempt);
    try {
      return of(JobState.valueOf(n.path("state").asText()), attempt.intValue(),
          Instant.parse(n.path("updatedAt").asText()), n.hasNonNull("reason") ? n.get("reason").asText() : null);
    } catch (DateTimeException e) {
      throw new IllegalArgumentException("job state field 'updatedAt' is not an ISO-8601 instant: " + n, e);
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof JobStatus)) {
      return false;
    }
    JobStatus s = (JobStatus) o;
    return state == s.state && attempt == s.attempt && updatedAt.equals(s.updatedAt)
        && Objects.equals(reason, s.reason);
  }

  @Override
  public int hashCode() {
    return Objects.hash(state, attempt, updatedAt, reason);
  }

  @Override
  public String toString() {
    return "JobStatus{" + state + ", attempt=" + attempt + ", updatedAt=" + updatedAt
        + (reason == null ? "" : ", reason=" + reason) + "}";
  }
}
