package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.data.LoadedDataset;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.tensor.StateDict;
import io.epochal.worker.round.EvaluationResult;

/**
 * Evaluates checkpoints' states on labelled rows, as a job evaluates each epoch on its held-out
 * rows ({@code data.validation_path}): the rows are read and checked once, as training reads its
 * own (format, columns, label range, bad rows), cached in as many shards as the job has workers,
 * and every {@link #evaluate} runs one Spark job over them in evaluation mode. The same rows and
 * state give the same bits as the job's own evaluation of that epoch. Close it to drop the cached
 * rows.
 */
public final class LabelledRowsEvaluator implements AutoCloseable {

  private final LoadedDataset rows;
  private final HeldOutEvaluator evaluator;
  private int evaluations;

  private LabelledRowsEvaluator(LoadedDataset rows, HeldOutEvaluator evaluator) {
    this.rows = rows;
    this.evaluator = evaluator;
  }

  /**
   * Reads the rows at {@code spec}'s {@code data.validation_path} with {@code spec}'s data keys, for
   * its model.
   *
   * @param option what the rows were given as ({@code --input}), which every failure names
   * @throws TrainingException ({@link FailureReason#BAD_INPUT}) when the rows cannot be used: missing
   *     or bad columns, a bad row (naming file and row), rows that do not fit the model
   */
  public static LabelledRowsEvaluator load(JobSpec spec, EpochalSpark spark, String option,
      TrainingListener listener) throws TrainingException {
    checkNotNull(spec, "spec");
    checkNotNull(spark, "spark");
    checkArgument(spec.validationPathText().isPresent(), "spec has no %s", JobKeys.DATA_VALIDATION_PATH);
    io.epochal.worker.round.TrainingConfig config = TrainingConfigs.of(spec);
    LoadedDataset rows = new JobData(spec, config, spark, checkNotNull(listener, "listener"))
        .labelledRows(option, "labelled rows", "to evaluate the model on", "");
    if (rows.rows() == 0) {
      rows.unpersist();
      throw new TrainingException(FailureReason.BAD_INPUT, 0, 0, option + " " + spec.validationPathText().get()
          + " holds no usable row" + (rows.skippedRows() > 0 ? " (all " + rows.skippedRows() + " are bad rows, "
          + "skipped)" : "") + ": give labelled rows to evaluate on", null);
    }
    return new LabelledRowsEvaluator(rows, new HeldOutEvaluator(spark.jsc(), rows, config, spec.jobName()));
  }

  /** How many rows every evaluation covers (bad rows skipped are not among them). */
  public long rows() {
    return rows.rows();
  }

  /** How many bad rows were skipped ({@code --bad-rows skip}). */
  public long skippedRows() {
    return rows.skippedRows();
  }

  /**
   * The rows' mean loss, and for a classification loss their correct predictions, under {@code
   * state} (a checkpoint's model tensors; optimizer tensors are not read), in a Spark job described
   * as {@code description}.
   */
  public EvaluationResult evaluate(StateDict state, String description) {
    checkNotNull(state, "state");
    return evaluator.evaluate(state, "epochal-evaluate-" + evaluations++, checkNotNull(description, "description"));
  }

  /** Drops the cached rows. */
  @Override
  public void close() {
    rows.unpersist();
  }
}
