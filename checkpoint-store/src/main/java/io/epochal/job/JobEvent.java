package io.epochal.job;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.DateTimeException;
import io.epochal.params.ValueChange;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One entry of the job history: when, what, in which attempt, and where applicable the epoch
 * and round, a short machine-readable reason, a human message and, for an amendment, the
 * hyperparameters it changed as typed values, and for a committed epoch the numbers its
 * checkpoint recorded (its metrics, step and learning rate), which outlive the checkpoint when
 * retention deletes it. Immutable; one JSON line in {@code events/attempt-NNNN.jsonl}. An absent
 * epoch or round is -1; an absent reason or message is null; no changes is an empty list (and no
 * {@code changes} field), no metrics an empty map (and no {@code metrics} field).
 */
public final class JobEvent {

  private final Instant time;
  private final JobEventType type;
  private final int attempt;
  private final long epoch;
  private final int round;
  private final String reason;
  private final String message;
  private final List<ValueChange> changes;
  private final SortedMap<String, Double> metrics;

  private JobEvent(Builder b) {
    this.time = b.time;
    this.type = b.type;
    this.attempt = b.attempt;
    this.epoch = b.epoch;
    this.round = b.round;
    this.reason = b.reason;
    this.message = b.message;
    this.changes = b.changes;
    this.metrics = b.metrics;
  }

  /** A builder for an event of {@code type} at {@code time} in {@code attempt}. */
  public static Builder builder(JobEventType type, Instant time, int attempt) {
    return new Builder(type, time, attempt);
  }

  /** When it happened. */
  public Instant getTime() {
    return time;
  }

  /** What happened. */
  public JobEventType getType() {
    return type;
  }

  /** The driver attempt. */
  public int getAttempt() {
    return attempt;
  }

  /** The epoch, or -1. */
  public long getEpoch() {
    return epoch;
  }

  /** The round within the epoch, or -1. */
  public int getRound() {
    return round;
  }

  /** A short reason (for example an exception class), or null. */
  public String getReason() {
    return reason;
  }

  /** A human-readable message, or null. */
  public String getMessage() {
    return message;
  }

  /**
   * The hyperparameters an {@link JobEventType#AMENDED} event changed, in key order; empty for
   * other events and for events written before amendments recorded them (their message says them).
   */
  public List<ValueChange> getChanges() {
    return changes;
  }

  /**
   * The numbers recorded with the event, by name in name order (all finite): for an {@link
   * JobEventType#EPOCH_COMMITTED} event its checkpoint's metrics, global step and learning rate;
   * empty for other events and for commits recorded before the metrics were.
   */
  public SortedMap<String, Double> getMetrics() {
    return metrics;
  }

  /** The JSON form (one line of the events log). */
  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("time", time.toString());
    n.put("type", type.name());
    n.put("attempt", attempt);
    n.put("epoch", epoch);
    n.put("round", round);
    if (reason != null) {
      n.put("reason", reason);
    }
    if (message != null) {
      n.put("message", message);
    }
    if (!changes.isEmpty()) {
      ArrayNode list = n.putArray("changes");
      changes.forEach(c -> list.add(c.toJson()));
    }
    if (!metrics.isEmpty()) {
      ObjectNode values = n.putObject("metrics");
      metrics.forEach(values::put);
    }
    return n;
  }

  /**
   * Parses the JSON form.
   *
   * @throws IllegalArgumentException naming the missing or malformed field
   */
  public static JobEvent fromJson(JsonNode n) {
    checkArgument(n != null && n.isObject(), "event must be a JSON object, got %s", n);
    JsonNode time = n.get("time");
    JsonNode type = n.get("type");
    checkArgument(time != null && time.isTextual(), "event field 'time' must be a string, got %s", time);
    checkArgument(type != null && type.isTextual(), "event field 'type' must be a string, got %s", type);
    Instant t;
    JobEventType ty;
    try {
      t = Instant.parse(time.textValue());
      ty = JobEventType.valueOf(type.textValue());
    } catch (DateTimeException | IllegalArgumentException e) {
      throw new IllegalArgumentException("event has a bad time or type: " + n, e);
    }
    Builder b = builder(ty, t, intField(n, "attempt"))
        .optEpoch(n.path("epoch").asLong(-1))
        .optRound((int) n.path("round").asLong(-1));
    if (n.hasNonNull("reason")) {
      b.optReason(n.get("reason").asText());
    }
    if (n.hasNonNull("message")) {
      b.optMessage(n.get("message").asText());
    }
    if (n.hasNonNull("changes")) {
      JsonNode list = n.get("changes");
      checkArgument(list.isArray(), "event field 'changes' must be a list, got %s", list);
      List<ValueChange> changes = new ArrayList<>();
      list.forEach(c -> changes.add(ValueChange.fromJson(c)));
      b.optChanges(changes);
    }
    if (n.hasNonNull("metrics")) {
      JsonNode values = n.get("metrics");
      checkArgument(values.isObject(), "event field 'metrics' must be an object, got %s", values);
      Map<String, Double> read = new TreeMap<>();
      values.fields().forEachRemaining(f -> {
        checkArgument(f.getValue().isNumber(), "event metric '%s' must be a number, got %s", f.getKey(), f.getValue());
        read.put(f.getKey(), f.getValue().doubleValue());
      });
      b.optMetrics(read);
    }
    return b.build();
  }

  private static int intField(JsonNode n, String field) {
    JsonNode v = n.get(field);
    checkArgument(v != null && v.isInt(), "event field '%s' must be an integer, got %s", field, v);
    return v.intValue();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof JobEvent)) {
      return false;
    }
    JobEvent e = (JobEvent) o;
    return attempt == e.attempt && epoch == e.epoch && round == e.round && time.equals(e.time)
        && type == e.type && Objects.equals(reason, e.reason) && Objects.equals(message, e.message)
        && changes.equals(e.changes) && metrics.equals(e.metrics);
  }

  @Override
  public int hashCode() {
    return Objects.hash(time, type, attempt, epoch, round, reason, message, changes, metrics);
  }

  @Override
  public String toString() {
    return "JobEvent{" + time + " " + type + " attempt=" + attempt + " epoch=" + epoch
        + " round=" + round + (reason == null ? "" : " reason=" + reason)
        + (message == null ? "" : " message=" + message) + (changes.isEmpty() ? "" : " changes=" + changes)
        + (metrics.isEmpty() ? "" : " metrics=" + metrics) + "}";
  }

  /** Builds a {@link JobEvent}; type, time and attempt are set by {@link JobEvent#builder}. */
  public static final class Builder {
    private final Instant time;
    private final JobEventType type;
    private final int attempt;
    private long epoch = -1;
    private int round = -1;
    private String reason;
    private String message;
    private List<ValueChange> changes = List.of();
    private SortedMap<String, Double> metrics = Collections.emptySortedMap();

    private Builder(JobEventType type, Instant time, int attempt) {
      this.type = checkNotNull(type, "type");
      this.time = checkNotNull(time, "time");
      checkArgument(attempt >= 0, "event attempt must be >= 0, got %s", attempt);
      this.attempt = attempt;
    }

    /** The epoch (>= 0). */
    public Builder optEpoch(long epoch) {
      checkArgument(epoch >= -1, "event epoch must be >= 0 (or -1 for none), got %s", epoch);
      this.epoch = epoch;
      return this;
    }

    /** The round (>= 0). */
    public Builder optRound(int round) {
      checkArgument(round >= -1, "event round must be >= 0 (or -1 for none), got %s", round);
      this.round = round;
      return this;
    }

    /** A short reason. */
    public Builder optReason(String reason) {
      this.reason = reason;
      return this;
    }

    /** A human-readable message. */
    public Builder optMessage(String message) {
      this.message = message;
      return this;
    }

    /** The hyperparameters an amendment changed. */
    public Builder optChanges(List<ValueChange> changes) {
      this.changes = List.copyOf(checkNotNull(changes, "changes"));
      return this;
    }

    /**
     * The numbers recorded with the event (a committed epoch's metrics, step and learning rate).
     *
     * @throws IllegalArgumentException naming a value that is not finite (JSON has no NaN)
     */
    public Builder optMetrics(Map<String, Double> metrics) {
      TreeMap<String, Double> copy = new TreeMap<>();
      checkNotNull(metrics, "metrics").forEach((name, value) -> {
        checkArgument(name != null && !name.isEmpty(), "an event metric needs a name, got %s", name);
        checkArgument(value != null && Double.isFinite(value), "event metric '%s' must be finite, got %s", name, value);
        copy.put(name, value);
      });
      this.metrics = Collections.unmodifiableSortedMap(copy);
      return this;
    }

    /** The event. */
    public JobEvent build() {
      return new JobEvent(this);
    }
  }
}
