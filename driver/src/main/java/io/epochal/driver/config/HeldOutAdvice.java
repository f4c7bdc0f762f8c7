package io.epochal.driver.config;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.params.HyperParameters;
import java.util.Map;

/**
 * What a stored job whose held-out rows ({@code data.validation_path}) are gone or cannot be used may do about
 * them, as a resume takes it: other rows, or none, where the job allows them. A job whose schedule {@code
 * plateau} sets the learning rate by a held-out metric takes only the same rows (moved), since others would change
 * what it trains; a job that ranks checkpoints or stops early by a held-out metric takes no "none".
 */
public final class HeldOutAdvice {

  private HeldOutAdvice() {}

  /** The held-out metric ({@code val_*}) schedule plateau sets the learning rate by in {@code keys}, or null. */
  public static String plateauMonitor(HyperParameters keys) {
    Object monitor = keys.asMap().get(JobKeys.SCHEDULE_PREFIX + "monitor");
    return "plateau".equals(keys.asMap().get(JobKeys.SCHEDULE_NAME)) && monitor != null
        && EpochMetrics.VALIDATION.contains(monitor.toString()) ? monitor.toString() : null;
  }

  /**
   * The advice for the job stored as {@code stored} in {@code jobDir} (as a command line gives it), starting with a
   * verb: "restore them, ..." or "give the job others: ...".
   */
  public static String of(HyperParameters stored, String jobDir) {
    checkNotNull(stored, "stored");
    String key = JobKeys.DATA_VALIDATION_PATH;
    String give = "'bin/epochal resume " + jobDir + " --set " + key + "=<path>'";
    String monitor = plateauMonitor(stored);
    if (monitor != null) {
      return "restore them, or, if they moved, give their new place: " + give + " (the same rows: schedule plateau "
          + "sets the learning rate by their " + monitor + ", so a resume takes neither others nor none; a resume "
          + "checks them against held_out_sha256)";
    }
    try {
      JobSpec.fromHyperParameters(stored, Map.of(key, ""), k -> "--set " + k, null);
      return "give the job others: " + give + " (an empty value evaluates on none)";
    } catch (ConfigException e) {
      return "give the job others: " + give + " (not none, which a resume refuses: " + e.getMessage() + ")";
    }
  }
}
