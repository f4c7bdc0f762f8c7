package io.epochal.driver.app;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.worker.round.EvaluationResult;
import java.util.List;
import org.apache.hadoop.fs.Path;

/**
 * {@code epochal evaluate --json}: one JSON document for scripts, with every number exact (the
 * shortest decimal that reads back as the same double), e.g.
 *
 * <pre>{@code
 * {"ok": true, "input": "file:///data/test", "rows": 1024, "skipped_rows": 0,
 *  "loss_name": "softmax_cross_entropy",
 *  "checkpoints": [{"checkpoint": "file:///jobs/a/checkpoints/epoch-000001", "epoch": 1,
 *                   "status": "evaluated", "loss": 0.0057260..., "accuracy": 0.9970703125}, ...]}
 * }</pre>
 *
 * <p>A checkpoint not evaluated has {@code status} {@code damaged}, {@code unregistered} or {@code
 * not_reproduced} and a {@code reason}; {@code ok} is false when any was not. {@code accuracy} is
 * absent for a loss other than {@code softmax_cross_entropy}, whose result has {@code mae} (the mean
 * absolute error), {@code rmse} (the root mean squared error) and {@code r2} (R², absent for fewer than two
 * rows) instead. A failure before any checkpoint is evaluated (rows that cannot be used, a
 * job without checkpoints) gives {@code ok} false, an {@code error} and no checkpoints ({@link
 * #error}).
 */
final class EvaluationJson {

  private static final ObjectMapper JSON = new ObjectMapper();

  private EvaluationJson() {}

  /**
   * The document of an evaluation that failed before any checkpoint was evaluated: {@code ok}
   * false, the {@code input} rows (null when not yet known), the {@code error} as standard error says
   * it, and no checkpoints.
   */
  static String error(String rows, String message) {
    ObjectNode doc = JSON.createObjectNode();
    doc.put("ok", false);
    doc.put("input", rows);
    doc.put("error", String.valueOf(message));
    doc.putArray("checkpoints");
    return write(doc);
  }

  /**
   * The document for {@code table}, evaluated on the {@code usableRows} of {@code rows} with {@code
   * spec} (null, and no rows, when none was).
   */
  static String of(String rows, JobSpec spec, long usableRows, long skippedRows,
      List<CheckpointEvaluation.Evaluated> table) {
    return of(rows, spec, usableRows, skippedRows, table, false);
  }

  /**
   * As the other; with {@code perClass}, each classification's checkpoint also lists its {@code classes}: every class
   * some row is labelled with or predicted as, its {@code rows}, {@code predicted} and {@code right} counts and its
   * {@code precision}, {@code recall} and {@code f1} (each absent where its denominator is 0) and, for a model of 3
   * to 100 outputs, its {@code auc} and {@code ap} against the rest (absent for a class no row is labelled with).
   */
  static String of(String rows, JobSpec spec, long usableRows, long skippedRows,
      List<CheckpointEvaluation.Evaluated> table, boolean perClass) {
    ObjectNode doc = JSON.createObjectNode();
    // nothing evaluated (every checkpoint listed deleted meanwhile) is no success
    doc.put("ok", !table.isEmpty() && table.stream().allMatch(e -> e.result() != null));
    doc.put("input", rows);
    doc.put("rows", usableRows);
    doc.put("skipped_rows", skippedRows);
    if (spec != null) {
      doc.put("loss_name", spec.loss());
    }
    ArrayNode checkpoints = doc.putArray("checkpoints");
    for (CheckpointEvaluation.Evaluated e : table) {
      ObjectNode c = checkpoints.addObject();
      c.put("checkpoint", JobSpecResolver.locationText(new Path(e.path())));
      c.put("epoch", e.epoch());
      EvaluationResult r = e.result();
      if (r == null) {
        c.put("status", e.status().toLowerCase(java.util.Locale.ROOT).replace(' ', '_'));
        c.put("reason", e.reason());
        continue;
      }
      c.put("status", "evaluated");
      c.put("weights", e.weights());
      putFinite(c, "loss", r.meanLoss());
      if (r.counted()) {
        c.put("accuracy", r.accuracy());
      }
      if (Double.isFinite(r.balancedAccuracy())) {
        c.put("balanced_accuracy", r.balancedAccuracy());
      }
      if (Double.isFinite(r.macroF1())) {
        c.put("f1", r.macroF1());
      }
      if (Double.isFinite(r.areaUnderRoc())) {
        c.put("auc", r.areaUnderRoc());
      }
      if (Double.isFinite(r.averagePrecision())) {
        c.put("ap", r.averagePrecision());
      }
      if (r.measuredError()) {
        putFinite(c, "mae", r.meanAbsoluteError());
      }
      if (Double.isFinite(r.rootMeanSquaredError())) {
        c.put("rmse", r.rootMeanSquaredError());
      }
      if (Double.isFinite(r.r2())) {
        c.put("r2", r.r2());
      }
      if (perClass) {
        r.classCounts().ifPresent(counts -> {
          ArrayNode classes = c.putArray("classes");
          for (int k = 0; k < counts.classes(); k++) {
            if (counts.labelled(k) + counts.predicted(k) == 0) {
              continue;
            }
            ObjectNode one = classes.addObject().put("class", k).put("rows", counts.labelled(k))
                .put("predicted", counts.predicted(k)).put("right", counts.right(k));
            counts.precision(k).ifPresent(v -> one.put("precision", v));
            counts.recall(k).ifPresent(v -> one.put("recall", v));
            counts.f1(k).ifPresent(v -> one.put("f1", v));
            EvaluationTable.areaAgainstRest(r, k).ifPresent(v -> one.put("auc", v));
            EvaluationTable.precisionAgainstRest(r, k).ifPresent(v -> one.put("ap", v));
          }
        });
      }
      c.put("seconds", e.seconds());
    }
    return write(doc);
  }

  private static String write(ObjectNode doc) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write the evaluation as JSON: " + e.getMessage(), e);
    }
  }

  /**
   * {@code value} under {@code key}: a number, or null with a {@code <key>_not_finite} note for an infinity or NaN
   * (a state that overflows on the rows), which Jackson would write as a string.
   */
  private static void putFinite(ObjectNode c, String key, double value) {
    if (Double.isFinite(value)) {
      c.put(key, value);
    } else {
      c.putNull(key);
      c.put(key + "_not_finite", String.valueOf(value));
    }
  }
}
