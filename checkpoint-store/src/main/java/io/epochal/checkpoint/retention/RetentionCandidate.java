package io.epochal.checkpoint.retention;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A committed checkpoint as retention sees it: its epoch, its metrics and whether it passed
 * verification. Immutable.
 */
public final class RetentionCandidate {

  private final long epoch;
  private final Map<String, Double> metrics;
  private final boolean verified;

  private RetentionCandidate(long epoch, Map<String, Double> metrics, boolean verified) {
    this.epoch = epoch;
    this.metrics = metrics;
    this.verified = verified;
  }

  /**
   * A candidate.
   *
   * @param epoch the checkpoint's epoch (>= 0)
   * @param metrics its metrics by name (copied)
   * @param verified whether its manifest parsed and its files matched their digests
   */
  public static RetentionCandidate of(long epoch, Map<String, Double> metrics, boolean verified) {
    checkArgument(epoch >= 0, "checkpoint epoch must be >= 0, got %s", epoch);
    checkNotNull(metrics, "metrics (use an empty map if the checkpoint has none)");
    TreeMap<String, Double> copy = new TreeMap<>();
    metrics.forEach((k, v) -> copy.put(checkNotNull(k, "metric name"),
        checkNotNull(v, "metric '%s' of epoch %s is null", k, epoch)));
    return new RetentionCandidate(epoch, Collections.unmodifiableMap(copy), verified);
  }

  /** The epoch. */
  public long getEpoch() {
    return epoch;
  }

  /** The metrics by name, sorted and unmodifiable. */
  public Map<String, Double> getMetrics() {
    return metrics;
  }

  /** Whether it passed verification. */
  public boolean isVerified() {
    return verified;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RetentionCandidate)) {
      return false;
    }
    RetentionCandidate c = (RetentionCandidate) o;
    return epoch == c.epoch && verified == c.verified && metrics.equals(c.metrics);
  }

  @Override
  public int hashCode() {
    return Objects.hash(epoch, metrics, verified);
  }

  @Override
  public String toString() {
    return "RetentionCandidate{epoch=" + epoch + ", verified=" + verified + ", metrics=" + metrics + "}";
  }
}
