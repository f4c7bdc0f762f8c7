package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.data.LoadedDataset;
import io.epochal.driver.spark.SparkJobs;
import io.epochal.driver.spark.SparkTaskResources;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.round.EvaluationResult;
import io.epochal.worker.round.LocalEvaluation;
import io.epochal.worker.round.TrainingConfig;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Evaluates the state an epoch ends with on the job's held-out rows ({@code data.validation_path}):
 * one Spark job, described as {@code "epoch e/E · validation"}, whose tasks run {@link
 * LocalEvaluation} on the cached shards with the state's model tensors broadcast (not its
 * optimizer state, which evaluation does not read), and whose results are added in shard order. A
 * retried task recomputes its shard from the same inputs.
 */
final class HeldOutEvaluator {

  private final JavaSparkContext jsc;
  private final LoadedDataset rows;
  private final TrainingConfig config;
  private final String jobName;

  HeldOutEvaluator(JavaSparkContext jsc, LoadedDataset rows, TrainingConfig config, String jobName) {
    this.jsc = checkNotNull(jsc, "jsc");
    this.rows = checkNotNull(rows, "rows");
    this.config = checkNotNull(config, "config");
    this.jobName = checkNotNull(jobName, "jobName");
  }

  /**
   * A warning when the ranked scores of {@code held} ({@code val_auc} and {@code val_ap}: 8 bytes per row, and per
   * class for a model of 3 to 100 {@code outputs}) are large: the driver's two copies (collected, then merged) beyond a
   * quarter of {@code maxHeap}. A worker's scores are a task's result, which Spark streams in chunks: no Kryo buffer
   * ({@code spark.kryoserializer.buffer.max}) bounds it.
   */
  static java.util.Optional<String> scoresWarning(LoadedDataset held, int outputs, boolean classification,
      long maxHeap) {
    return scoresWarning(held.rows(), outputs, classification, maxHeap);
  }

  /** As {@link #scoresWarning(LoadedDataset, int, boolean, long)} for {@code rows} held-out rows. */
  static java.util.Optional<String> scoresWarning(long rows, int outputs, boolean classification, long maxHeap) {
    long perRow = !classification || outputs < 2 ? 0 : outputs == 2 ? Double.BYTES
        : outputs <= io.epochal.worker.round.ClassScores.MAX_CLASSES ? (long) Double.BYTES * outputs : 0;
    long driver = 2 * perRow * rows;
    String what = "the held-out rows' scores for val_auc and val_ap (8 bytes per row" + (outputs > 2 ? " and class, "
        + outputs + " classes" : "") + ")";
    if (driver > maxHeap / 4) {
      return java.util.Optional.of(what + " take about " + (driver >> 20) + " MiB of the driver's heap at each "
          + "evaluation (collected, then merged), more than a quarter of its " + (maxHeap >> 20) + " MiB: give the "
          + "driver more heap (EPOCHAL_JAVA_OPTS=-Xmx, spark-submit --driver-memory) or use fewer held-out rows");
    }
    return java.util.Optional.empty();
  }

  /** How many held-out rows each evaluation covers. */
  long rows() {
    return rows.rows();
  }

  /**
   * The held-out rows' loss (and, for classification, correct predictions) under {@code state}, the
   * state of epoch {@code epoch} (1-based) of {@code epochs}.
   */
  EvaluationResult evaluate(StateDict state, int epoch, int epochs) {
    return evaluate(state, "epochal-e" + (epoch - 1) + "-validation", jobName + ": epoch " + epoch + "/" + epochs
        + " \u00b7 validation");
  }

  /** The rows' loss (and correct predictions) under {@code state}, in Spark job group {@code group}. */
  EvaluationResult evaluate(StateDict state, String group, String description) {
    final TrainingConfig cfg = config;
    final JavaRDD<DataShard> shards = rows.shards();
    return SparkJobs.inJobGroup(jsc, group, description, () -> SparkJobs.withBroadcast(jsc, ServedWeights.of(state),
            (Broadcast<StateDict> model) -> EvaluationResult.combine(shards.map(shard ->
                LocalEvaluation.run(cfg, model.value(), shard, SparkTaskResources.current())).collect())));
  }

  /**
   * The checkpoint metrics of {@code held}, the evaluation of epoch {@code epoch}: {@code val_loss}, {@code
   * val_accuracy}, {@code val_f1} and {@code val_balanced_accuracy} (when counted) and {@code val_auc} and {@code
   * val_ap} (a model of two outputs when both classes have rows; of up to 100, one class against the rest, when two
   * classes have rows) or {@code val_mae}, {@code val_rmse} and {@code val_r2} (a regression's, each when finite) and
   * {@code val_rows}. A loss that is not finite (the trained state, finite on its own rows, overflows on a held-out
   * one) is said through {@code warning} and left out, since a manifest holds finite numbers only: the epoch's
   * checkpoint is written without it, and retention by {@code val_loss} keeps that checkpoint unranked.
   */
  static java.util.Map<String, Double> metrics(EvaluationResult held, int epoch,
      java.util.function.Consumer<String> warning) {
    java.util.Map<String, Double> metrics = new java.util.LinkedHashMap<>();
    if (Double.isFinite(held.meanLoss())) {
      metrics.put(io.epochal.driver.config.EpochMetrics.VAL_LOSS, held.meanLoss());
    } else {
      warning.accept("epoch " + epoch + ": the loss on the " + held.rows() + " held-out rows is " + held.meanLoss()
          + " (the state is finite on the training rows, and overflows on some held-out ones: rows far outside "
          + "the training rows' range?); its checkpoint records no val_loss (retention by val_loss keeps it "
          + "unranked)");
    }
    if (held.counted()) {
      metrics.put(io.epochal.driver.config.EpochMetrics.VAL_ACCURACY, held.accuracy());
    }
    if (Double.isFinite(held.macroF1())) {
      metrics.put(io.epochal.driver.config.EpochMetrics.VAL_F1, held.macroF1());
    }
    if (Double.isFinite(held.balancedAccuracy())) {
      metrics.put(io.epochal.driver.config.EpochMetrics.VAL_BALANCED_ACCURACY, held.balancedAccuracy());
    }
    if (Double.isFinite(held.areaUnderRoc())) {
      metrics.put(io.epochal.driver.config.EpochMetrics.VAL_AUC, held.areaUnderRoc());
    }
    if (Double.isFinite(held.averagePrecision())) {
      metrics.put(io.epochal.driver.config.EpochMetrics.VAL_AP, held.averagePrecision());
    }
    if (held.measuredError() && Double.isFinite(held.meanAbsoluteError())) {
      metrics.put(io.epochal.driver.config.EpochMetrics.VAL_MAE, held.meanAbsoluteError());
    }
    if (Double.isFinite(held.rootMeanSquaredError())) {
      metrics.put(io.epochal.driver.config.EpochMetrics.VAL_RMSE, held.rootMeanSquaredError());
    }
    if (Double.isFinite(held.r2())) {
      metrics.put(io.epochal.driver.config.EpochMetrics.VAL_R2, held.r2());
    }
    metrics.put(io.epochal.driver.config.EpochMetrics.VAL_ROWS, (double) held.rows());
    return metrics;
  }
}
