package io.epochal.driver.config;

import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpecs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The check of {@code checkpoint.best_metric} against the metrics a job's checkpoints record
 * ({@link EpochMetrics}): the held-out rows' metrics only with {@code data.validation_path}, and
 * {@code val_accuracy} only for classification. Retention ({@code checkpoint.keep_best}) and early
 * stopping ({@code early_stop.patience}) read it. Part of {@link SpecValidator}'s checks.
 */
final class BestMetricCheck {

  private BestMetricCheck() {}

  /**
   * Refuses a {@code checkpoint.best_metric} that no checkpoint records: retention could rank no
   * checkpoint by it and would keep them all. A stored job's value is not refused (it ran with it).
   */
  static void requireRecorded(HyperParameters values, Map<String, SpecValidator.Sourced> raw,
      List<ConfigException> problems) {
    String metric = values.getString(JobKeys.BEST_METRIC);
    SpecValidator.Sourced given = raw.get(JobKeys.BEST_METRIC);
    SpecValidator.Sourced heldOut = raw.get(JobKeys.DATA_VALIDATION_PATH);
    String user = values.getLong(JobKeys.KEEP_BEST) > 0 ? JobKeys.KEEP_BEST : JobKeys.EARLY_STOP_PATIENCE;
    if (EpochMetrics.VALIDATION.contains(metric) && heldOut != null && heldOut.text
        && values.getString(JobKeys.DATA_VALIDATION_PATH).isBlank() && values.getLong(user) > 0) {
      // a job's stored value, left without the rows it ranks by: every later checkpoint would be kept unranked, or
      // count as no improvement
      problems.add(new ConfigException(JobKeys.DATA_VALIDATION_PATH, JobKeys.DATA_VALIDATION_PATH + " = '' (from "
          + heldOut.source + ") leaves no held-out rows, but " + user + " = " + values.getLong(user)
          + (user.equals(JobKeys.KEEP_BEST) ? " ranks checkpoints" : " stops the job early") + " by " + metric
          + ", which only they give: set " + JobKeys.BEST_METRIC + "=train_loss (or " + user + "=0) with it"));
      return;
    }
    if (metric.isBlank() || EpochMetrics.ALL.contains(metric) || (given != null && !given.text)) {
      return;
    }
    String from = JobKeys.BEST_METRIC + " = '" + metric + "'" + (given == null ? "" : " (from " + given.source + ")");
    if (metric.equals(EpochMetrics.TRAIN_ACCURACY)) {
      if ("mse".equals(values.getString(JobKeys.LOSS))) {
        problems.add(new ConfigException(JobKeys.BEST_METRIC, from + " is recorded only for classification "
            + "(loss=softmax_cross_entropy), not loss=mse: rank by train_loss with " + JobKeys.BEST_MODE + "=min"));
      }
      return;
    }
    if (EpochMetrics.VALIDATION.contains(metric)) {
      boolean validated = !values.getString(JobKeys.DATA_VALIDATION_PATH).isBlank();
      boolean classification = !"mse".equals(values.getString(JobKeys.LOSS));
      if (!validated) {
        problems.add(new ConfigException(JobKeys.BEST_METRIC, from + " is recorded only for a job evaluated on "
            + "held-out rows: set " + JobKeys.DATA_VALIDATION_PATH + " to them, or rank by train_loss"));
      } else if (metric.equals(EpochMetrics.VAL_ACCURACY) && !classification) {
        problems.add(new ConfigException(JobKeys.BEST_METRIC, from + " is recorded only for classification "
            + "(loss=softmax_cross_entropy), not loss=" + values.getString(JobKeys.LOSS) + ": rank by val_loss "
            + "with " + JobKeys.BEST_MODE + "=min"));
      }
      return;
    }
    List<String> known = new ArrayList<>(EpochMetrics.ALL);
    known.add(EpochMetrics.TRAIN_ACCURACY);
    known.addAll(EpochMetrics.VALIDATION);
    String near = ParamSpecs.nearest(metric, known);
    problems.add(new ConfigException(JobKeys.BEST_METRIC, from + " is not a metric a checkpoint records"
        + (near == null ? "" : "; did you mean '" + near + "'?") + "; use one of " + EpochMetrics.ALL
        + ", " + EpochMetrics.TRAIN_ACCURACY + " (classification) or, with " + JobKeys.DATA_VALIDATION_PATH
        + ", one of " + EpochMetrics.VALIDATION
        + " (train_loss with checkpoint.best_mode=min keeps the lowest loss)"));
  }
}
