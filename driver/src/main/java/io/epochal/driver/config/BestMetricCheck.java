package io.epochal.driver.config;

import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpecs;
import io.epochal.worker.loss.Losses;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The check of {@code checkpoint.best_metric} against the metrics a job's checkpoints record
 * ({@link EpochMetrics}): the held-out rows' metrics only with {@code data.validation_path}, and
 * {@code val_accuracy} only for classification. Retention ({@code checkpoint.keep_best}) and early
 * stopping ({@code early_stop.patience}, unless {@code early_stop.monitor} names its own) read it;
 * {@code early_stop.monitor} and schedule {@code plateau}'s {@code schedule.monitor} are checked the
 * same way. Part of {@link SpecValidator}'s checks.
 */
final class BestMetricCheck {

  private BestMetricCheck() {}

  /**
   * Refuses a {@code checkpoint.best_metric} that no checkpoint records: retention could rank no
   * checkpoint by it and would keep them all. A stored job's value is not refused (it ran with it), unless a key
   * that decides whether and how it is read (keep_best, patience, a mode, the monitor) is given anew.
   */
  static void requireRecorded(HyperParameters values, Map<String, SpecValidator.Sourced> raw,
      java.util.function.Supplier<java.util.OptionalInt> outputs, List<ConfigException> problems) {
    boolean ownMonitor = !EarlyStopMonitor.key(values).equals(JobKeys.BEST_METRIC);
    String user = values.getLong(JobKeys.KEEP_BEST) > 0 || ownMonitor ? JobKeys.KEEP_BEST
        : JobKeys.EARLY_STOP_PATIENCE;
    String use = values.getLong(user) <= 0 ? null : user + " = " + values.getLong(user)
        + (user.equals(JobKeys.KEEP_BEST) ? " ranks checkpoints" : " stops the job early");
    check(JobKeys.BEST_METRIC, JobKeys.BEST_MODE, "rank by", values, raw, outputs, use,
        "set " + JobKeys.BEST_METRIC + "=train_loss (or " + user + "=0) with it",
        List.of(JobKeys.KEEP_BEST, JobKeys.EARLY_STOP_PATIENCE, JobKeys.EARLY_STOP_MONITOR, JobKeys.EARLY_STOP_MODE),
        problems);
    if (ownMonitor) {
      String stops = values.getLong(JobKeys.EARLY_STOP_PATIENCE) <= 0 ? null : JobKeys.EARLY_STOP_PATIENCE + " = "
          + values.getLong(JobKeys.EARLY_STOP_PATIENCE) + " stops the job early";
      check(JobKeys.EARLY_STOP_MONITOR, JobKeys.EARLY_STOP_MODE, "watch", values, raw, outputs, stops,
          "set " + JobKeys.EARLY_STOP_MONITOR + "=train_loss (or " + JobKeys.EARLY_STOP_PATIENCE + "=0) with it",
          List.of(JobKeys.EARLY_STOP_PATIENCE), problems);
    }
  }

  /** Whether one of {@code keys} was given as text (a job file, {@code --set}, Spark conf), not read from job.json. */
  private static boolean givenAnew(Map<String, SpecValidator.Sourced> raw, List<String> keys) {
    return keys.stream().map(raw::get).anyMatch(g -> g != null && g.text);
  }

  /**
   * Refuses {@code early_stop.monitor}, {@code min_delta} or {@code mode} given (by a job file, {@code --set} or
   * Spark conf) while {@code early_stop.patience} is 0, which stops nothing: they would be ignored (Lightning's
   * {@code EarlyStopping}, whose keys they follow, waits 3 epochs by default). A stored job's values are not refused.
   */
  static void requirePatience(HyperParameters values, Map<String, SpecValidator.Sourced> raw,
      List<ConfigException> problems) {
    if (values.getLong(JobKeys.EARLY_STOP_PATIENCE) > 0) {
      return;
    }
    for (String key : List.of(JobKeys.EARLY_STOP_MONITOR, JobKeys.EARLY_STOP_MIN_DELTA, JobKeys.EARLY_STOP_MODE)) {
      SpecValidator.Sourced given = raw.get(key);
      Object value = values.get(key);
      boolean unset = value == null || "".equals(value) || (value instanceof Number && ((Number) value).doubleValue()
          == 0);
      if (given != null && given.text && !unset) {
        problems.add(new ConfigException(key, key + " = " + value + " (from " + given.source + ") says how to stop "
            + "early, but " + JobKeys.EARLY_STOP_PATIENCE + " = " + values.getLong(JobKeys.EARLY_STOP_PATIENCE)
            + " does not stop early: set " + JobKeys.EARLY_STOP_PATIENCE + " to the epochs without improvement to "
            + "wait (Lightning's EarlyStopping waits 3), or remove " + key));
        return;
      }
    }
  }

  /**
   * Refuses a {@code schedule.monitor} of schedule {@code plateau} that no checkpoint records (the
   * rate would be lowered after every epoch's patience), as {@link #requireRecorded} does; and, as a
   * resume cannot change it, held-out rows removed from a job that monitors theirs.
   */
  static void requireMonitorRecorded(HyperParameters values, Map<String, SpecValidator.Sourced> raw,
      java.util.function.Supplier<java.util.OptionalInt> outputs, List<ConfigException> problems) {
    if (!"plateau".equals(values.getString(JobKeys.SCHEDULE_NAME)) || !values.contains(MONITOR)) {
      return;
    }
    check(MONITOR, JobKeys.SCHEDULE_PREFIX + "mode", "monitor", values, raw, outputs, "schedule 'plateau' lowers the "
        + "learning rate", "keep them: a resume cannot change " + MONITOR + ", which decides the learning rate",
        List.of(), problems);
  }

  private static final String MONITOR = JobKeys.SCHEDULE_PREFIX + "monitor";

  /**
   * Refuses {@code samples_per_second}, the speed of an epoch's rounds on the machines that ran them, as the metric
   * early stopping or schedule {@code plateau} watches: when the job stops, or its learning rate, would depend on
   * timing, and two runs of the job, or a resumed one (whose epoch's speed counts the rounds after the resume
   * only), would differ. Ranking checkpoints by it changes no training and stays allowed. A stored job's values are
   * not refused, unless a resume gives the patience or the monitor anew.
   */
  static void refuseTiming(HyperParameters values, Map<String, SpecValidator.Sourced> raw,
      List<ConfigException> problems) {
    List<String> watched = new ArrayList<>();
    if (values.getLong(JobKeys.EARLY_STOP_PATIENCE) > 0) {
      watched.add(EarlyStopMonitor.key(values));
    }
    if ("plateau".equals(values.getString(JobKeys.SCHEDULE_NAME)) && values.contains(MONITOR)) {
      watched.add(MONITOR);
    }
    for (String key : watched) {
      SpecValidator.Sourced given = raw.get(key);
      // a stored metric that a resume's --set of the patience (or of the monitor's mode) makes early stopping watch
      boolean anew = given != null && given.text || !key.equals(MONITOR) && givenAnew(raw, List.of(
          JobKeys.EARLY_STOP_PATIENCE, JobKeys.EARLY_STOP_MONITOR));
      if (EpochMetrics.SAMPLES_PER_SECOND.equals(values.getString(key)) && anew) {
        problems.add(new ConfigException(key, key + " = " + EpochMetrics.SAMPLES_PER_SECOND + " (from "
            + given.source + ") is the speed of the machines, not a measure of the model: " + (key.equals(MONITOR)
            ? "the learning rate" : "the epoch the job stops at") + " would depend on timing, and two runs of the "
            + "job, or a resumed one, would differ: watch train_loss (or a held-out metric) instead"));
      }
    }
  }

  /**
   * The checks of metric key {@code key} (better as {@code modeKey} says), which {@code use} reads
   * (null: nothing reads it now); {@code verb} says what a key names a metric for, {@code fix} what
   * to do when held-out rows its metric needs are removed; {@code outputs} are the model's when the catalog
   * can tell them, asked for only when a ranked metric is named (the model is built to tell them; the ranked metrics are
   * recorded by the count of the model's scores, not by {@code data.classes}). A stored job's value is checked only
   * when {@code modeKey} or one of {@code users}, the keys that decide whether and how it is read, is given anew.
   */
  private static void check(String key, String modeKey, String verb, HyperParameters values,
      Map<String, SpecValidator.Sourced> raw, java.util.function.Supplier<java.util.OptionalInt> outputs, String use,
      String fix, List<String> users,
      List<ConfigException> problems) {
    String metric = values.getString(key);
    SpecValidator.Sourced given = raw.get(key);
    SpecValidator.Sourced heldOut = raw.get(JobKeys.DATA_VALIDATION_PATH);
    if (EpochMetrics.VALIDATION.contains(metric) && heldOut != null && heldOut.text
        && values.getString(JobKeys.DATA_VALIDATION_PATH).isBlank() && use != null) {
      // a job's stored value, left without the rows it reads: every later checkpoint would be kept unranked, or
      // count as no improvement
      problems.add(new ConfigException(JobKeys.DATA_VALIDATION_PATH, JobKeys.DATA_VALIDATION_PATH + " = '' (from "
          + heldOut.source + ") leaves no held-out rows, but " + use + " by " + metric + ", which only they give: "
          + fix));
      return;
    }
    List<String> deciding = new ArrayList<>(users);
    deciding.add(modeKey);
    if (given != null && !given.text && !givenAnew(raw, deciding)) {
      return; // the stored job ran with it as it is read now
    }
    String from = key + " = '" + metric + "'" + (given == null ? "" : " (from " + given.source + ")");
    if (metric.isBlank()) {
      // no epoch would record it: each would count as no improvement (SpecValidator names it for keep_best)
      if (use != null && !(key.equals(JobKeys.BEST_METRIC) && values.getLong(JobKeys.KEEP_BEST) > 0)) {
        problems.add(new ConfigException(key, from + " names no metric, but " + use + " by it: set " + key
            + "=train_loss with " + modeKey + "=min (or a metric the job records)"));
      }
      return;
    }
    if (EpochMetrics.ALL.contains(metric)) {
      return;
    }
    if (EpochMetrics.LARGER_IS_BETTER.contains(metric)
        && "min".equals(modeKey.equals(JobKeys.EARLY_STOP_MODE) ? EarlyStopMonitor.mode(values)
        : values.getString(modeKey)) && use != null) {
      // an accuracy (or R2) is better when larger: min would keep, or wait for, the worst checkpoints
      problems.add(new ConfigException(modeKey, from + " is better when larger, but " + modeKey + " = min makes the "
          + "lowest the best, which " + use + " by: set " + modeKey + "=max"));
    }
    if (metric.equals(EpochMetrics.TRAIN_MAE)) {
      if (Losses.isClassification(values.getString(JobKeys.LOSS))) {
        problems.add(regressionOnly(key, from, values, verb, modeKey, "train"));
      }
      return;
    }
    if (metric.equals(EpochMetrics.TRAIN_ACCURACY)) {
      if (!Losses.isClassification(values.getString(JobKeys.LOSS))) {
        problems.add(new ConfigException(key, from + " is recorded only for classification "
            + "(loss=softmax_cross_entropy), not loss=" + values.getString(JobKeys.LOSS) + ": " + verb
            + " train_loss with " + modeKey + "=min"));
      }
      return;
    }
    if (EpochMetrics.VALIDATION.contains(metric)) {
      boolean validated = !values.getString(JobKeys.DATA_VALIDATION_PATH).isBlank();
      boolean classification = Losses.isClassification(values.getString(JobKeys.LOSS));
      if (!validated) {
        problems.add(new ConfigException(key, from + " is recorded only for a job evaluated on "
            + "held-out rows: set " + JobKeys.DATA_VALIDATION_PATH + " to them, or " + verb + " train_loss"));
      } else if (EpochMetrics.RANKED.contains(metric) && classification
          && classCount(values, outputs.get()) > io.epochal.worker.round.ClassScores.MAX_CLASSES) {
        problems.add(new ConfigException(key, from + " is recorded only for up to "
            + io.epochal.worker.round.ClassScores.MAX_CLASSES + " classes, not " + classCountText(values, outputs.get())
            + ": " + verb + " val_accuracy with " + modeKey + "=max, or val_loss with " + modeKey + "=min"));
      } else if ((metric.equals(EpochMetrics.VAL_ACCURACY) || metric.equals(EpochMetrics.VAL_F1)
          || metric.equals(EpochMetrics.VAL_BALANCED_ACCURACY) || EpochMetrics.RANKED.contains(metric))
          && !classification) {
        problems.add(new ConfigException(key, from + " is recorded only for classification "
            + "(loss=softmax_cross_entropy), not loss=" + values.getString(JobKeys.LOSS) + ": " + verb + " val_loss "
            + "with " + modeKey + "=min"));
      } else if (EpochMetrics.REGRESSION.contains(metric) && classification) {
        problems.add(regressionOnly(key, from, values, verb, modeKey, "val"));
      }
      return;
    }
    List<String> known = new ArrayList<>(EpochMetrics.ALL);
    known.add(EpochMetrics.TRAIN_ACCURACY);
    known.add(EpochMetrics.TRAIN_MAE);
    known.addAll(EpochMetrics.VALIDATION);
    String near = ParamSpecs.nearest(metric, known);
    problems.add(new ConfigException(key, from + " is not a metric a checkpoint records"
        + (near == null ? "" : "; did you mean '" + near + "'?") + "; use one of " + EpochMetrics.ALL
        + ", " + EpochMetrics.TRAIN_ACCURACY + " (classification), " + EpochMetrics.TRAIN_MAE
        + " (regression) or, with " + JobKeys.DATA_VALIDATION_PATH
        + ", one of " + EpochMetrics.VALIDATION
        + " (train_loss with " + modeKey + "=min " + (verb.equals("rank by") ? "keeps" : "watches")
        + " the lowest loss)"));
  }

  /**
   * The refusal of a regression's metric ({@code prefix} train or val) in a classification job, naming the
   * classification's loss and accuracy of the same rows instead.
   */
  private static ConfigException regressionOnly(String key, String from, HyperParameters values, String verb,
      String modeKey, String prefix) {
    String regressionLosses = String.join(", ",
        Losses.NAMES.stream().filter(l -> !Losses.isClassification(l)).toList());
    return new ConfigException(key, from + " is recorded only for a regression loss (" + regressionLosses + "), not "
        + "loss=" + values.getString(JobKeys.LOSS) + ": " + verb + " " + prefix + "_loss with " + modeKey + "=min, or "
        + prefix + "_accuracy with " + modeKey + "=max");
  }

  /** The classes a job's held-out scores have: the model's outputs when known, else {@code data.classes}. */
  private static long classCount(HyperParameters values, java.util.OptionalInt outputs) {
    return outputs.isPresent() ? outputs.getAsInt() : values.getLong(JobKeys.DATA_CLASSES);
  }

  private static String classCountText(HyperParameters values, java.util.OptionalInt outputs) {
    return outputs.isPresent() ? "the " + outputs.getAsInt() + " outputs of model " + values.getString(
        JobKeys.MODEL_NAME) + " v" + values.getLong(JobKeys.MODEL_VERSION) : "data.classes = "
        + values.getLong(JobKeys.DATA_CLASSES);
  }
}
