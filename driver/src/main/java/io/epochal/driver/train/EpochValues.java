package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.driver.config.EpochMetrics;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventType;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The numbers a committed epoch recorded: its metrics ({@link EpochMetrics}), the optimizer steps
 * taken since the start of training and the learning rate the next step trains at (when the
 * schedule keeps one). Read from a checkpoint's manifest, or from the {@link
 * JobEventType#EPOCH_COMMITTED} event that recorded the commit, whose {@code metrics} carry the
 * same numbers (the step as {@value #STEP}, the rate as {@value #LR}) and outlive the checkpoint
 * when retention deletes it. Immutable.
 */
public final class EpochValues {

  /** The event metric that holds the global step. */
  public static final String STEP = "step";
  /** The event metric that holds the learning rate of the next step. */
  public static final String LR = "lr";
  private static final String SCHEDULE_LR = "schedule.lr";

  private final long epoch;
  private final OptionalLong step;
  private final SortedMap<String, Double> metrics;
  private final OptionalDouble nextRate;

  private EpochValues(long epoch, OptionalLong step, Map<String, Double> metrics, OptionalDouble nextRate) {
    checkArgument(epoch >= 0, "epoch must be >= 0, got %s", epoch);
    this.epoch = epoch;
    this.step = checkNotNull(step, "step");
    this.metrics = Collections.unmodifiableSortedMap(new TreeMap<>(checkNotNull(metrics, "metrics")));
    this.nextRate = checkNotNull(nextRate, "nextRate");
  }

  /** The values a checkpoint's manifest records. */
  public static EpochValues of(CheckpointManifest m) {
    return new EpochValues(m.epoch(), OptionalLong.of(m.globalStep()), m.metrics(),
        m.learningRateSchedule().contains(SCHEDULE_LR)
            ? OptionalDouble.of(m.learningRateSchedule().getDouble(SCHEDULE_LR)) : OptionalDouble.empty());
  }

  /**
   * The values an {@code EPOCH_COMMITTED} event recorded. An event of a version that recorded no
   * metrics gives its training loss from its message ({@code train_loss=...}) and no step or rate.
   *
   * @throws IllegalArgumentException if {@code e} is not an {@code EPOCH_COMMITTED} event of an epoch
   */
  public static EpochValues of(JobEvent e) {
    checkArgument(e.getType() == JobEventType.EPOCH_COMMITTED && e.getEpoch() >= 0,
        "an EPOCH_COMMITTED event of an epoch is needed, got %s", e);
    TreeMap<String, Double> metrics = new TreeMap<>(e.getMetrics());
    Double step = metrics.remove(STEP);
    Double rate = metrics.remove(LR);
    if (metrics.isEmpty()) {
      lossInMessage(e.getMessage()).ifPresent(loss -> metrics.put(EpochMetrics.TRAIN_LOSS, loss));
    }
    return new EpochValues(e.getEpoch(), step == null ? OptionalLong.empty() : OptionalLong.of(step.longValue()),
        metrics, rate == null ? OptionalDouble.empty() : OptionalDouble.of(rate));
  }

  private static Optional<Double> lossInMessage(String message) {
    String prefix = EpochMetrics.TRAIN_LOSS + "=";
    if (message == null || !message.startsWith(prefix)) {
      return Optional.empty();
    }
    try {
      double loss = Double.parseDouble(message.substring(prefix.length()).trim());
      return Double.isFinite(loss) ? Optional.of(loss) : Optional.empty();
    } catch (NumberFormatException notANumber) {
      return Optional.empty();
    }
  }

  /**
   * The metrics an {@code EPOCH_COMMITTED} event records: every metric (a manifest's are finite), the
   * step and the rate.
   */
  public Map<String, Double> eventMetrics() {
    TreeMap<String, Double> all = new TreeMap<>(metrics);
    step.ifPresent(s -> all.put(STEP, (double) s));
    nextRate.ifPresent(r -> all.put(LR, r));
    return all;
  }

  /** The epoch. */
  public long epoch() {
    return epoch;
  }

  /** Optimizer steps since the start of training, unless an old event did not record them. */
  public OptionalLong step() {
    return step;
  }

  /** The metrics by name, in name order. */
  public SortedMap<String, Double> metrics() {
    return metrics;
  }

  /** The metric {@code name}, if recorded. */
  public Optional<Double> metric(String name) {
    return Optional.ofNullable(metrics.get(name));
  }

  /** The learning rate the next optimizer step trains at, if the schedule keeps one. */
  public OptionalDouble nextRate() {
    return nextRate;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EpochValues v && epoch == v.epoch && step.equals(v.step) && metrics.equals(v.metrics)
        && nextRate.equals(v.nextRate);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(epoch, step, metrics, nextRate);
  }

  @Override
  public String toString() {
    return "EpochValues{epoch=" + epoch + ", step=" + step + ", metrics=" + metrics + ", nextRate=" + nextRate + "}";
  }
}
