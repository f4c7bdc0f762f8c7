package io.epochal.driver.train;

/** Receives a training job's progress; the CLI renders it as a progress bar or log lines. */
public interface TrainingListener {

  /** A listener that ignores everything. */
  TrainingListener NONE = new TrainingListener() {};

  /**
   * The job starts at 0-based epoch {@code firstEpoch} of {@code epochs} (greater than 0 when it
   * resumes from {@code checkpoint}, which is then non-null).
   */
  default void started(int firstEpoch, int epochs, int rounds, String checkpoint) {}

  /**
   * Round {@code round} of epoch {@code epoch} (both 1-based) finished; {@code meanLoss} is the
   * epoch's mean loss over its rounds so far (at the last round, the epoch's).
   */
  default void round(int epoch, int epochs, int round, int rounds, double samplesPerSecond, double meanLoss) {}

  /**
   * The state of epoch {@code epoch} (1-based) was evaluated on the job's held-out rows
   * ({@code data.validation_path}) in {@code millis}; {@link #epoch} follows.
   */
  default void validated(int epoch, int epochs, io.epochal.worker.round.EvaluationResult held, long millis) {}

  /**
   * As {@link #validated(int, int, io.epochal.worker.round.EvaluationResult, long)}, saying whether
   * the weights evaluated were the job's moving average ({@code train.ema_decay}) rather than the
   * trained ones; by default the four-argument method.
   */
  default void validated(int epoch, int epochs, io.epochal.worker.round.EvaluationResult held, long millis,
      boolean average) {
    validated(epoch, epochs, held, millis);
  }

  /**
   * The share of epoch {@code epoch}'s samples that their training-mode output predicted right,
   * each counted before the step its batch took (classification only); {@link #epoch} follows.
   */
  default void trainAccuracy(int epoch, int epochs, double accuracy) {}

  /**
   * The mean absolute error of epoch {@code epoch}'s samples, their training-mode output before the step its batch
   * took (regression only); {@link #epoch} follows.
   */
  default void trainMeanAbsoluteError(int epoch, int epochs, double mae) {}

  /**
   * What gradient clipping saw in epoch {@code epoch}'s local steps ({@code train.clip_grad_norm}
   * only), before {@link #epoch}.
   */
  default void gradNorms(int epoch, int epochs, io.epochal.worker.round.GradNorms norms) {}

  /** Epoch {@code epoch} (1-based) finished training; its checkpoint is being written. */
  default void epoch(int epoch, int epochs, double meanLoss, double samplesPerSecond) {}

  /**
   * The checkpoint of {@code epoch} is committed at {@code path}: {@code bytes} in its data files,
   * written and published in {@code millis}.
   */
  default void committed(int epoch, String path, long bytes, long millis) {}

  /** Information for the user that is not a warning (e.g. the job had already completed). */
  default void message(String message) {}

  /** Something the user should know (a damaged checkpoint skipped, a retry). */
  default void warning(String message) {}

  /**
   * The driver's JVM is shutting down and {@code message} says how the job ended and how to
   * continue it: the last word of the run, as it may end before the training thread can report.
   * Printed as a warning unless overridden.
   */
  default void stopped(String message) {
    warning(message);
  }

  /** The command that continues the job in {@code jobDir} (after a stop), as this launcher runs it. */
  default String resumeCommand(org.apache.hadoop.fs.Path jobDir) {
    return "bin/epochal resume " + io.epochal.driver.config.ShellWords.location(jobDir);
  }
}
