package io.epochal.driver.config;

import java.util.List;

/**
 * The metrics every checkpoint records for its epoch (its manifest's {@code metrics}), by name:
 * what {@code checkpoint.best_metric} may rank by, and what a resume compares.
 */
public final class EpochMetrics {

  /** The mean training loss over the epoch's samples. */
  public static final String TRAIN_LOSS = "train_loss";
  /** The samples the epoch trained on. */
  public static final String SAMPLES = "samples";
  /** Samples per second over the epoch, its checkpoint excluded. */
  public static final String SAMPLES_PER_SECOND = "samples_per_second";
  /** How many usable rows the job trains on. */
  public static final String DATA_ROWS = "data_rows";
  /** How many bad rows the job skips ({@code data.bad_rows=skip}). */
  public static final String SKIPPED_ROWS = "skipped_rows";

  /** Every metric a checkpoint records, in the order it records them. */
  public static final List<String> ALL = List.of(TRAIN_LOSS, SAMPLES, SKIPPED_ROWS, DATA_ROWS, SAMPLES_PER_SECOND);

  private EpochMetrics() {}
}
