package io.epochal.driver.config;

import io.epochal.params.HyperParameters;

/**
 * Early stopping's settings, an immutable view of a job's or a checkpoint's keys: its patience and minimum change
 * ({@code early_stop.patience}, {@code early_stop.min_delta}), and which metric it watches and which way is better:
 * {@code
 * early_stop.monitor} and {@code early_stop.mode} when set (PyTorch Lightning's {@code EarlyStopping(monitor, mode)},
 * apart from its {@code ModelCheckpoint}); else the checkpoint ranking's {@code checkpoint.best_metric} and {@code
 * checkpoint.best_mode}, as every job stored before the two keys existed watches.
 */
public final class EarlyStopMonitor {

  private final int patience;
  private final double minDelta;
  private final String key;
  private final String metric;
  private final boolean max;

  private EarlyStopMonitor(HyperParameters hp) {
    this.patience = (int) JobKeys.numberOrZero(hp, JobKeys.EARLY_STOP_PATIENCE);
    this.minDelta = JobKeys.numberOrZero(hp, JobKeys.EARLY_STOP_MIN_DELTA);
    this.key = key(hp);
    this.metric = hp.getString(key);
    this.max = mode(hp).equals("max");
  }

  /** Early stopping as the job's (or a checkpoint's) keys {@code hp} set it. */
  public static EarlyStopMonitor of(HyperParameters hp) {
    return new EarlyStopMonitor(hp);
  }

  /** {@code early_stop.patience}; 0 (also for keys stored without it) = never stop early. */
  public int patience() {
    return patience;
  }

  /** {@code early_stop.min_delta}; 0 for keys stored without it. */
  public double minDelta() {
    return minDelta;
  }

  /** The key naming the metric early stopping watches ({@link #key(HyperParameters)}). */
  public String monitorKey() {
    return key;
  }

  /** The metric early stopping watches: the value of {@link #monitorKey()}. */
  public String monitor() {
    return metric;
  }

  /** Whether a larger {@link #monitor()} is better ({@link #mode}). */
  public boolean isMax() {
    return max;
  }

  /**
   * The key naming the watched metric in {@code hp}: {@code early_stop.monitor} when set, else {@code
   * checkpoint.best_metric} (also for keys stored without it, which is not stored when empty).
   */
  public static String key(HyperParameters hp) {
    return text(hp, JobKeys.EARLY_STOP_MONITOR).isEmpty() ? JobKeys.BEST_METRIC : JobKeys.EARLY_STOP_MONITOR;
  }

  /**
   * Whether the watched metric is better when smaller ({@code min}) or larger ({@code max}) in {@code hp}: {@code
   * early_stop.mode} when set; else {@code checkpoint.best_mode} for the ranking's metric, and {@code min}
   * (Lightning's default) for a monitor of its own.
   */
  public static String mode(HyperParameters hp) {
    String mode = text(hp, JobKeys.EARLY_STOP_MODE);
    if (!mode.isEmpty()) {
      return mode;
    }
    return key(hp).equals(JobKeys.BEST_METRIC) ? hp.getString(JobKeys.BEST_MODE) : "min";
  }

  /** A string key's value in {@code hp}, empty when absent ({@link JobKeys#storedAsAbsent} when blank). */
  private static String text(HyperParameters hp, String key) {
    return hp.contains(key) ? hp.getString(key).trim() : "";
  }
}
