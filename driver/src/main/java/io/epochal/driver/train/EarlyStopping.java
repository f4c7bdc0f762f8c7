package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpec;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Early stopping, as PyTorch Lightning's {@code EarlyStopping} callback: after every epoch the
 * monitored metric ({@code early_stop.monitor}, better as {@code early_stop.mode} says; by default
 * {@code checkpoint.best_metric} in {@code checkpoint.best_mode}, which rank the checkpoints) is
 * compared with its best so far; it improves when it beats the best by more than {@code
 * early_stop.min_delta}, and the job stops once {@code early_stop.patience} epochs in a row did not
 * improve it. An epoch that records no finite value of the metric does not improve it.
 *
 * <p>Immutable. The state (the count, the best and its epoch) is part of the training context and
 * is recorded in every checkpoint's metrics ({@link #WAIT}, {@link #BEST}, {@link #BEST_EPOCH}), so a
 * resumed job continues the count where its checkpoint left it, as Lightning restores the callback's
 * state; a checkpoint counted on another metric or mode (a resume changed them) starts it afresh.
 */
public final class EarlyStopping {

  /** The metric of epochs in a row without improvement. */
  static final String WAIT = "early_stop_wait";
  /** The metric of the best value so far. */
  static final String BEST = "early_stop_best";
  /** The metric of the epoch the best value was recorded at. */
  static final String BEST_EPOCH = "early_stop_best_epoch";

  private final int patience;
  /** The key that names the metric: early_stop.monitor or checkpoint.best_metric. */
  private final String monitorKey;
  private final String metric;
  private final boolean max;
  private final double minDelta;
  /** The best value so far; NaN before any. */
  private final double best;
  private final long bestEpoch;
  private final long wait;

  private EarlyStopping(int patience, String monitorKey, String metric, boolean max, double minDelta, double best,
      long bestEpoch, long wait) {
    checkArgument(patience >= 0, "early_stop.patience must be >= 0, got %s", patience);
    checkArgument(minDelta >= 0 && Double.isFinite(minDelta), "early_stop.min_delta must be finite and >= 0, got %s",
        minDelta);
    this.patience = patience;
    this.monitorKey = checkNotNull(monitorKey, "monitorKey");
    this.metric = checkNotNull(metric, "metric");
    this.max = max;
    this.minDelta = minDelta;
    this.best = best;
    this.bestEpoch = bestEpoch;
    this.wait = wait;
  }

  /**
   * The state a run of {@code spec} starts with: continued from the metrics of the checkpoint it
   * resumes from (epoch {@code completed}, its count kept on {@code rankedBy}, {@code metric:mode}, or
   * null), or fresh. A checkpoint without the state (trained without early stopping, or counted on
   * another metric or mode) gives its own value of the metric as the best, with no epoch waited.
   */
  static EarlyStopping start(JobSpec spec, int completed, Map<String, Double> metrics, String rankedBy) {
    io.epochal.driver.config.EarlyStopMonitor on = spec.earlyStop();
    EarlyStopping fresh = new EarlyStopping(on.patience(), on.monitorKey(), on.monitor(), on.isMax(), on.minDelta(),
        Double.NaN, 0, 0);
    if (completed == 0) {
      return fresh;
    }
    if (fresh.ranking().equals(rankedBy) && metrics.containsKey(WAIT)) {
      return fresh.with(metrics.getOrDefault(BEST, Double.NaN), metrics.getOrDefault(BEST_EPOCH, 0.0).longValue(),
          metrics.get(WAIT).longValue());
    }
    Double value = metrics.get(on.monitor());
    return value != null && Double.isFinite(value) ? fresh.with(value, completed, 0) : fresh;
  }

  /** The ranking a checkpoint's state was counted under, {@code metric:mode}, from its spec's keys. */
  static String ranking(String metric, String mode) {
    return metric + ":" + mode;
  }

  /**
   * The metric and mode a checkpoint whose manifest holds {@code hp} counted its early stopping on, {@code
   * metric:mode}, or null when it does not say.
   */
  static String rankedBy(io.epochal.params.HyperParameters hp) {
    String key = io.epochal.driver.config.EarlyStopMonitor.key(hp);
    if (!hp.contains(key) || !hp.contains(JobKeys.BEST_MODE)) {
      return null;
    }
    return ranking(hp.getString(key), io.epochal.driver.config.EarlyStopMonitor.mode(hp));
  }

  private String ranking() {
    return ranking(metric, max ? "max" : "min");
  }

  private EarlyStopping with(double newBest, long newBestEpoch, long newWait) {
    return new EarlyStopping(patience, monitorKey, metric, max, minDelta, newBest, newBestEpoch, newWait);
  }

  /** Whether the job stops early at all ({@code early_stop.patience} above 0). */
  boolean enabled() {
    return patience > 0;
  }

  /** The state after epoch {@code epoch}, whose checkpoint records {@code metrics}. */
  EarlyStopping after(long epoch, Map<String, Double> metrics) {
    Double value = metrics.get(metric);
    boolean improved = value != null && Double.isFinite(value)
        && (Double.isNaN(best) || (max ? value > best + minDelta : value < best - minDelta));
    return improved ? with(value, epoch, 0) : with(best, bestEpoch, wait + 1);
  }

  /** The state as checkpoint metrics: the count, and the best and its epoch once there is one. */
  Map<String, Double> metrics() {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put(WAIT, (double) wait);
    if (!Double.isNaN(best)) {
      m.put(BEST, best);
      m.put(BEST_EPOCH, (double) bestEpoch);
    }
    return m;
  }

  /** Whether the job is to stop: {@code patience} epochs in a row without improvement. */
  boolean exhausted() {
    return enabled() && wait >= patience;
  }

  /** Epochs in a row without improvement. */
  long waited() {
    return wait;
  }

  /** How far the count is, for an epoch's progress: the epochs waited of the patience, and the best. */
  String progress() {
    return metric + " did not improve for " + wait + " of " + JobKeys.EARLY_STOP_PATIENCE + " = " + patience
        + " epochs" + (Double.isNaN(best) ? "" : " (" + bestText(best, bestEpoch) + ")");
  }

  /**
   * Why a run of {@code spec} that resumes from checkpoint {@code m} (its newest) and does not
   * change train.epochs trains nothing: the checkpoint's count reached the patience, and the job
   * stopped early there (its train.epochs not amended yet, or a resume lowered the patience). Empty
   * when it would train. What a resume's dry run says.
   */
  public static java.util.Optional<String> stoppedAt(JobSpec spec, io.epochal.checkpoint.CheckpointManifest m) {
    EarlyStopping s = start(spec, Math.toIntExact(m.epoch()), m.metrics(), rankedBy(m.hyperParameters()));
    return s.exhausted() ? java.util.Optional.of(s.reason()) : java.util.Optional.empty();
  }

  /**
   * Whether a past run of the job in {@code jobDir} (whose events say so) extended {@code
   * train.epochs} beyond {@code completed} at or after the checkpoint of that epoch: a {@code resume
   * --epochs} after the job stopped early there. The job then trains on from it, as that run did,
   * though its early-stopping count is used up, whatever run resumes it now; where the job stopped
   * early and the driver ended before it amended {@code train.epochs}, no such event is there. Events
   * that cannot be read are no extension: what {@code status} and a dry run say; a run that decides by
   * it reads them with {@link #extendedAfter}.
   */
  public static boolean epochsExtendedAfter(org.apache.hadoop.fs.FileSystem fs, org.apache.hadoop.fs.Path jobDir,
      long completed) {
    try {
      return extendedAfter(fs, jobDir, completed);
    } catch (java.io.IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * As {@link #extendedAfter}, for a run (and its dry run) that ends the job by it. A history not read is no answer:
   * ending the job there would amend its {@code train.epochs} down for good, though a {@code resume --epochs} had
   * raised it.
   *
   * @throws TrainingException when the events cannot be read: {@link FailureReason#STORAGE_UNAVAILABLE} (retried),
   *     or {@link FailureReason#INCOMPATIBLE_JOB} naming the damaged line and what to do
   */
  public static boolean extendedAfterOrFail(org.apache.hadoop.fs.FileSystem fs, org.apache.hadoop.fs.Path jobDir,
      long completed) throws TrainingException {
    try {
      return extendedAfter(fs, jobDir, completed);
    } catch (java.io.IOException | RuntimeException e) {
      boolean damaged = e instanceof io.epochal.job.JobFileFormatException;
      throw new TrainingException(damaged ? FailureReason.INCOMPATIBLE_JOB : FailureReason.STORAGE_UNAVAILABLE,
          Math.toIntExact(completed + 1), 0, "the job stopped early at epoch " + completed + ", and whether a resume "
          + "raised " + JobKeys.EPOCHS + " after that, to train on, is in its event history, which cannot be read: "
          + (damaged ? e.getMessage() : FailureClassifier.rootCause(e)) + (damaged ? "; repair that line (moving the file "
          + "aside drops what it records, a resume's --epochs among it), or resume with --epochs N to train on to "
          + "epoch N" : ""), e);
    }
  }

  /**
   * As {@link #epochsExtendedAfter}, for a run that ends the job by it: events that cannot be read are
   * no answer.
   *
   * @throws java.io.IOException when the events cannot be read ({@link io.epochal.job.JobFileFormatException}
   *     naming the file and line of a damaged one)
   */
  static boolean extendedAfter(org.apache.hadoop.fs.FileSystem fs, org.apache.hadoop.fs.Path jobDir, long completed)
      throws java.io.IOException {
    java.util.List<io.epochal.job.JobEvent> events = new io.epochal.job.JobEventLog(fs, jobDir).readAll();
    boolean extended = false; // the last change of train.epochs since that checkpoint decides
    for (io.epochal.job.JobEvent e : events) {
      if (e.getType() != io.epochal.job.JobEventType.AMENDED || e.getEpoch() < completed) {
        continue;
      }
      for (io.epochal.params.ValueChange c : e.getChanges()) {
        if (c.getKey().equals(JobKeys.EPOCHS)) {
          extended = c.getTo().filter(v -> v instanceof Number && ((Number) v).longValue() > completed).isPresent();
        }
      }
      if (e.getChanges().isEmpty() && e.getMessage() != null) { // written before events held the changes
        java.util.OptionalLong to = epochsInMessage(e.getMessage());
        if (to.isPresent()) {
          extended = to.getAsLong() > completed;
        }
      }
    }
    return extended;
  }

  /** The new {@code train.epochs} an AMENDED event's message says ({@code "train.epochs: 3 -> 10; ..."}), if any. */
  private static java.util.OptionalLong epochsInMessage(String message) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:^|; )"
        + java.util.regex.Pattern.quote(JobKeys.EPOCHS) + ": [^;]*? -> ([0-9]+)").matcher(message);
    java.util.OptionalLong to = java.util.OptionalLong.empty();
    while (m.find()) {
      to = java.util.OptionalLong.of(Long.parseLong(m.group(1)));
    }
    return to;
  }

  /**
   * What {@code status} says of the early stopping of a job with keys {@code job} ({@code job.json}),
   * from the metrics of its newest checkpoint: how many epochs of its patience went without
   * improvement, its best, and whether it stopped there. Empty without early stopping or its state.
   */
  public static java.util.Optional<String> describe(io.epochal.params.HyperParameters job,
      Map<String, Double> newest) {
    long patience = job.contains(JobKeys.EARLY_STOP_PATIENCE) ? job.getLong(JobKeys.EARLY_STOP_PATIENCE) : 0;
    Double wait = newest.get(WAIT);
    String monitorKey = io.epochal.driver.config.EarlyStopMonitor.key(job);
    if (patience <= 0 || wait == null || !job.contains(monitorKey)) {
      return java.util.Optional.empty();
    }
    Double best = newest.get(BEST);
    return java.util.Optional.of(wait.longValue() + " of " + patience + " epochs without improvement of "
        + job.getString(monitorKey) + (best == null ? "" : " (" + bestText(best,
        newest.getOrDefault(BEST_EPOCH, 0.0).longValue()) + ")") + (wait >= patience ? ": stopped early" : ""));
  }

  /** Why the job stops, for its event and its last line. */
  String reason() {
    String bestText = Double.isNaN(best) ? "no value of it recorded yet" : bestText(best, bestEpoch);
    return monitorKey + " " + metric + " did not improve (" + (max ? "up" : "down") + " by more than "
        + JobKeys.EARLY_STOP_MIN_DELTA + " = " + minDelta + ") for " + wait + " epoch" + (wait == 1 ? "" : "s")
        + " in a row (" + JobKeys.EARLY_STOP_PATIENCE + " = " + patience + "; " + bestText + ")";
  }

  private static String bestText(double value, long epoch) {
    return "best " + String.format(Locale.ROOT, "%.6g", value) + " at epoch " + epoch;
  }

  @Override
  public String toString() {
    return "EarlyStopping[" + ranking() + ", patience " + patience + ", min_delta " + minDelta + ", best " + best
        + " at epoch " + bestEpoch + ", wait " + wait + "]";
  }
}
