package io.epochal.driver.config;

import io.epochal.params.HyperParameters;

/**
 * Which metric early stopping watches, and which way is better, read from a job's or a checkpoint's keys: {@code
 * early_stop.monitor} and {@code early_stop.mode} when set (PyTorch Lightning's {@code EarlyStopping(monitor, mode)},
 * apart from its {@code ModelCheckpoint}); else the checkpoint ranking's {@code checkpoint.best_metric} and {@code
 * checkpoint.best_mode}, as every job stored before the two keys existed watches.
 */
public final class EarlyStopMonitor {

  private EarlyStopMonitor() {}

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
