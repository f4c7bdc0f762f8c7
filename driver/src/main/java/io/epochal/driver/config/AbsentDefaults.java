package io.epochal.driver.config;

import io.epochal.worker.loss.HuberLoss;
import io.epochal.worker.loss.SmoothL1Loss;

/**
 * The values of job keys that mean "none" and are therefore not stored ({@link JobKeys#storedAsAbsent}): a
 * job.json or manifest without the key reads as that of a job made before the key existed. The loss, moving
 * average and fine-tuning keys say so of their own values ({@link LossKeys}, {@link EmaKeys}, {@link FineTuning}).
 */
final class AbsentDefaults {

  private AbsentDefaults() {}

  /** Whether {@code value} of {@code key} (typed, or as text) means "none": {@link JobKeys#storedAsAbsent}. */
  static boolean storedAsAbsent(String key, Object value) {
    if (key.equals(LossKeys.CLASS_WEIGHTS) || EmaKeys.isKey(key)) {
      return EmaKeys.isKey(key) ? EmaKeys.storedAsAbsent(key, value) : LossKeys.storedAsAbsent(key, value);
    }
    if (FineTuning.isKey(key)) {
      return FineTuning.storedAsAbsent(key, value); // seeded weights, all trained: as before the keys existed
    }
    if (key.equals(JobKeys.ACCUMULATE_GRAD_BATCHES)) {
      return numberIs(value, 1);
    }
    if (MidEpochKeys.KEYS.contains(key)) {
      return numberIs(value, 0); // no mid-epoch checkpoints
    }
    if (key.equals(JobKeys.HUBER_DELTA)) {
      return numberIs(value, HuberLoss.DEFAULT_DELTA);
    }
    if (key.equals(JobKeys.SMOOTH_L1_BETA)) {
      return numberIs(value, SmoothL1Loss.DEFAULT_BETA);
    }
    if (key.equals(JobKeys.SCHEDULE_INTERVAL)) {
      return value.toString().trim().equals(io.epochal.worker.schedule.LrSchedules.INTERVAL_STEP);
    }
    if (key.equals(JobKeys.SCHEDULE_CYCLE_MOMENTUM)) {
      return value.toString().trim().equalsIgnoreCase("false");
    }
    if (key.equals(JobKeys.SCHEDULE_BASE_MOMENTUM) || key.equals(JobKeys.SCHEDULE_MAX_MOMENTUM)) {
      return numberIs(value, key.equals(JobKeys.SCHEDULE_BASE_MOMENTUM) ? 0.85 : 0.95);
    }
    if (key.equals(JobKeys.CLIP_GRAD_NORM) || key.equals(JobKeys.CLIP_GRAD_VALUE) || key.equals(JobKeys.LABEL_SMOOTHING)
        || key.equals(JobKeys.EARLY_STOP_PATIENCE) || key.equals(JobKeys.EARLY_STOP_MIN_DELTA)) {
      return numberIs(value, 0);
    }
    return (key.equals(JobKeys.DATA_VALIDATION_PATH) || key.equals(JobKeys.EARLY_STOP_MONITOR)
        || key.equals(JobKeys.EARLY_STOP_MODE) || key.equals(SampleWeights.KEY)) && value.toString().isBlank();
  }

  /** Whether {@code value}, typed or as a Spark conf or --set gives it, is the number {@code n}. */
  private static boolean numberIs(Object value, double n) {
    try {
      return Double.parseDouble(value.toString().trim()) == n;
    } catch (NumberFormatException e) {
      return false;
    }
  }
}
