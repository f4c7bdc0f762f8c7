package io.epochal.checkpoint.retention;

/** Whether a smaller or a larger metric value is better. */
public enum MetricGoal {
  /** Smaller is better (loss, error). */
  MIN,
  /** Larger is better (accuracy). */
  MAX
}
