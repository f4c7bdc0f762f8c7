package io.epochal.driver.app;

import io.epochal.worker.round.ClassCounts;
import io.epochal.worker.round.EvaluationResult;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/**
 * The table {@code evaluate} prints: a line per checkpoint with its rows and loss, then for a classification its
 * accuracy and macro F1 (and, for a model of up to 100 outputs, the area under the ROC curve and the average
 * precision), for a regression its mean absolute error, root mean squared error and R², and the time it took (or,
 * for a checkpoint not evaluated, why). A column a classification's results do not record is left out.
 */
final class EvaluationTable {

  /** A metric column: its header, width and value (NaN: not recorded, "-"). */
  private record Column(String header, int width, ToDoubleFunction<EvaluationResult> value, boolean loss) {}

  private EvaluationTable() {}

  /**
   * Prints, for each checkpoint of {@code table} evaluated as a classification, a line per class some row is labelled
   * with or predicted as: its rows, the rows predicted as it, its precision, recall and F1 (scikit-learn's {@code
   * classification_report}; "-" where a denominator is 0) and, for a model of 3 to 100 outputs, its area under the
   * ROC curve and average precision against the rest (scikit-learn's with {@code average=None}; "-" for a class no
   * row is labelled with).
   */
  static void printPerClass(PrintStream out, List<CheckpointEvaluation.Evaluated> table) {
    for (CheckpointEvaluation.Evaluated e : table) {
      if (e.result() == null || e.result().classCounts().isEmpty()) {
        continue;
      }
      ClassCounts counts = e.result().classCounts().get();
      boolean ranked = e.result().classScores().isPresent();
      out.printf(Locale.ROOT, "%n%s per class (%d rows):%n", e.name(), e.result().rows());
      out.printf(Locale.ROOT, "  %8s %10s %10s %10s %10s %10s" + (ranked ? " %10s %10s" : "") + "%n", "CLASS", "ROWS",
          "PREDICTED", "PRECISION", "RECALL", "F1", "AUC", "AP");
      for (int k = 0; k < counts.classes(); k++) {
        long rows = counts.labelled(k);
        long predicted = counts.predicted(k);
        if (rows + predicted == 0) {
          continue;
        }
        out.printf(Locale.ROOT, "  %8d %10d %10d %10s %10s %10s" + (ranked ? " %10s %10s" : "") + "%n", k, rows,
            predicted,
            text(counts.precision(k)), text(counts.recall(k)), text(counts.f1(k)), text(areaAgainstRest(e.result(), k)),
            text(precisionAgainstRest(e.result(), k)));
      }
    }
    out.flush();
  }

  /** Class {@code k}'s area under the ROC curve against the rest, for a model of 3 to 100 outputs; else empty. */
  static java.util.OptionalDouble areaAgainstRest(EvaluationResult r, int k) {
    return r.classScores().filter(s -> k < s.classes()).map(s -> s.ofClass(k).areaUnderRoc())
        .orElse(java.util.OptionalDouble.empty());
  }

  /** Class {@code k}'s average precision against the rest, for a model of 3 to 100 outputs; else empty. */
  static java.util.OptionalDouble precisionAgainstRest(EvaluationResult r, int k) {
    return r.classScores().filter(s -> k < s.classes()).map(s -> s.ofClass(k).averagePrecision())
        .orElse(java.util.OptionalDouble.empty());
  }

  private static String text(java.util.OptionalDouble v) {
    return v.isEmpty() ? "-" : String.format(Locale.ROOT, "%.4f", v.getAsDouble());
  }

  /** Prints {@code table}, the evaluations of a classification ({@code classification}) or a regression. */
  static void print(PrintStream out, List<CheckpointEvaluation.Evaluated> table, boolean classification) {
    List<Column> columns = new ArrayList<>();
    if (classification) {
      columns.add(new Column("ACCURACY", 10, EvaluationResult::accuracy, false));
      columns.add(new Column("BAL_ACC", 10, EvaluationResult::balancedAccuracy, false));
      columns.add(new Column("F1", 10, EvaluationResult::macroF1, false));
      columns.add(new Column("AUC", 10, EvaluationResult::areaUnderRoc, false));
      columns.add(new Column("AP", 10, EvaluationResult::averagePrecision, false));
      columns.removeIf(c -> !c.header().equals("ACCURACY") && table.stream().noneMatch(e -> e.result() != null
          && !Double.isNaN(c.value().applyAsDouble(e.result()))));
    } else {
      columns.add(new Column("MAE", 10, EvaluationResult::meanAbsoluteError, true));
      columns.add(new Column("RMSE", 12, EvaluationResult::rootMeanSquaredError, true));
      columns.add(new Column("R2", 10, EvaluationResult::r2, false));
    }
    StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-14s %6s %10s %12s", "CHECKPOINT", "EPOCH",
        "ROWS", "LOSS"));
    columns.forEach(c -> header.append(String.format(Locale.ROOT, " %" + c.width() + "s", c.header())));
    out.println(header.append("  TIME"));
    for (CheckpointEvaluation.Evaluated e : table) {
      EvaluationResult r = e.result();
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-14s %6s %10s %12s", e.name(), e.epoch(),
          r == null ? "-" : Long.toString(r.rows()), r == null ? "-" : JobStatusReport.lossText(r.meanLoss())));
      for (Column c : columns) {
        double v = r == null ? Double.NaN : c.value().applyAsDouble(r);
        line.append(String.format(Locale.ROOT, " %" + c.width() + "s", Double.isNaN(v) ? "-" : c.loss()
            ? JobStatusReport.lossText(v) : String.format(Locale.ROOT, "%.4f", v)));
      }
      out.println(line.append("  ").append(r == null ? e.status() : String.format(Locale.ROOT, "%.1f s",
          e.seconds())));
    }
    out.flush();
  }
}
