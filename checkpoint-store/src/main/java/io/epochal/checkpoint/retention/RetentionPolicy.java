package io.epochal.checkpoint.retention;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * Which committed checkpoints to keep. Rules combine by union: a checkpoint is kept if ANY rule
 * keeps it. The rules rank verified checkpoints only; the newest verified checkpoint is always
 * kept, whatever the rules say. Immutable.
 *
 * <ul>
 *   <li>keep last K: the K newest verified checkpoints;
 *   <li>keep every M-th: every verified checkpoint whose epoch is a multiple of M;
 *   <li>keep best N by a metric: the N verified checkpoints with the smallest ({@link
 *       MetricGoal#MIN}) or largest ({@link MetricGoal#MAX}) value, ties going to the earlier epoch.
 *       A verified checkpoint without that metric (or with NaN) is kept and reported, never
 *       ranked;
 *   <li>unverified checkpoints (failed verification) are deleted unless {@code
 *       optKeepUnverified(true)}.
 * </ul>
 */
public final class RetentionPolicy {

  private final int keepLast;
  private final int keepEvery;
  private final int keepBest;
  private final String metric;
  private final MetricGoal goal;
  private final boolean keepUnverified;

  private RetentionPolicy(Builder b) {
    this.keepLast = b.keepLast;
    this.keepEvery = b.keepEvery;
    this.keepBest = b.keepBest;
    this.metric = b.metric;
    this.goal = b.goal;
    this.keepUnverified = b.keepUnverified;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** K of "keep last K", if set. */
  public OptionalInt getKeepLast() {
    return keepLast > 0 ? OptionalInt.of(keepLast) : OptionalInt.empty();
  }

  /** M of "keep every M-th epoch", if set. */
  public OptionalInt getKeepEvery() {
    return keepEvery > 0 ? OptionalInt.of(keepEvery) : OptionalInt.empty();
  }

  /** N of "keep best N", if set. */
  public OptionalInt getKeepBest() {
    return keepBest > 0 ? OptionalInt.of(keepBest) : OptionalInt.empty();
  }

  /** The metric ranked by "keep best N", or null. */
  public String getMetric() {
    return metric;
  }

  /** Whether smaller or larger is better for {@link #getMetric()}, or null. */
  public MetricGoal getGoal() {
    return goal;
  }

  /** Whether unverified checkpoints are kept. */
  public boolean isKeepUnverified() {
    return keepUnverified;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RetentionPolicy)) {
      return false;
    }
    RetentionPolicy p = (RetentionPolicy) o;
    return keepLast == p.keepLast && keepEvery == p.keepEvery && keepBest == p.keepBest
        && Objects.equals(metric, p.metric) && goal == p.goal && keepUnverified == p.keepUnverified;
  }

  @Override
  public int hashCode() {
    return Objects.hash(keepLast, keepEvery, keepBest, metric, goal, keepUnverified);
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("RetentionPolicy{");
    if (keepLast > 0) {
      s.append("keepLast=").append(keepLast).append(' ');
    }
    if (keepEvery > 0) {
      s.append("keepEvery=").append(keepEvery).append(' ');
    }
    if (keepBest > 0) {
      s.append("keepBest=").append(keepBest).append(" by ").append(goal).append(' ').append(metric).append(' ');
    }
    return s.append("keepUnverified=").append(keepUnverified).append('}').toString();
  }

  /** Builds a {@link RetentionPolicy}; at least one keep rule is required. */
  public static final class Builder {
    private int keepLast;
    private int keepEvery;
    private int keepBest;
    private String metric;
    private MetricGoal goal;
    private boolean keepUnverified;

    private Builder() {}

    /** Keep the {@code k} newest verified checkpoints (k >= 1). */
    public Builder optKeepLast(int k) {
      checkArgument(k >= 1, "keepLast must be >= 1, got %s", k);
      this.keepLast = k;
      return this;
    }

    /** Keep every verified checkpoint whose epoch is a multiple of {@code m} (m >= 1). */
    public Builder optKeepEvery(int m) {
      checkArgument(m >= 1, "keepEvery must be >= 1, got %s", m);
      this.keepEvery = m;
      return this;
    }

    /** Keep the {@code n} verified checkpoints with the best value of {@code metric}. */
    public Builder optKeepBest(int n, String metric, MetricGoal goal) {
      checkArgument(n >= 1, "keepBest must be >= 1, got %s", n);
      checkNotNull(metric, "metric");
      checkArgument(!metric.isBlank(), "keepBest metric name must not be blank, e.g. 'val_loss'");
      this.keepBest = n;
      this.metric = metric;
      this.goal = checkNotNull(goal, "goal (MIN for a loss, MAX for an accuracy)");
      return this;
    }

    /** Keep checkpoints that failed verification (default false: they are deleted). */
    public Builder optKeepUnverified(boolean keep) {
      this.keepUnverified = keep;
      return this;
    }

    /**
     * The policy.
     *
     * @throws IllegalStateException if no keep rule was set
     */
    public RetentionPolicy build() {
      if (keepLast == 0 && keepEvery == 0 && keepBest == 0) {
        throw new IllegalStateException("a retention policy needs at least one rule: call "
            + "optKeepLast, optKeepEvery or optKeepBest (or do not run retention to keep everything)");
      }
      return new RetentionPolicy(this);
    }
  }
}
