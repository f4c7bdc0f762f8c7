package io.epochal.worker.round;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.List;
import java.util.Objects;

/**
 * What one worker returns from evaluating the global state on its shard of held-out rows: how many
 * rows, the sum of their losses, for classification how many the model predicted right, and for
 * regression the sum of the rows' absolute errors (each row's mean over its outputs) and the
 * {@link RegressionStats} that give the root mean squared error and R²; for classification its {@link ClassCounts}
 * (the macro F1 score) and for a two-class model its
 * {@link BinaryScores}, which give the area under the ROC curve and the average precision. Immutable;
 * it crosses from executor to driver, where {@link #combine} adds the shards up.
 */
public final class EvaluationResult {

  /** {@link #correct()} of a result that counts no correct predictions (a regression loss). */
  public static final long NOT_COUNTED = -1;

  private final int worker;
  private final long rows;
  private final double lossSum;
  /** What {@link #meanLoss()} divides the loss sum by: the rows, or the sum of their class weights. */
  private final double lossWeight;
  private final long correct;
  /** The sum of the rows' absolute errors (NaN for a prediction that is); NaN when not measured (classification). */
  private final double absErrorSum;
  /** Whether the rows' absolute errors were measured (a regression): a NaN sum may be a measured one. */
  private final boolean errorMeasured;
  /** A regression's squared errors and label statistics; null when not measured. */
  private final RegressionStats stats;
  /** A classification's counts per class; null when not measured (regression, or no rows). */
  private final ClassCounts counts;
  /** A two-class model's scores by label; null when not measured (regression, or more classes). */
  private final BinaryScores scores;
  /** A model of 3 to {@link ClassScores#MAX_CLASSES} outputs' scores, one class against the rest; else null. */
  private final ClassScores classScores;

  /**
   * A result of {@code rows} rows whose losses sum to {@code lossSum}; {@code correct} rows predicted
   * right, or {@link #NOT_COUNTED}; no absolute error measured.
   */
  public EvaluationResult(int worker, long rows, double lossSum, long correct) {
    this(worker, rows, lossSum, correct, Double.NaN, null, null, null, null);
  }

  /**
   * A classification's result: {@code rows} rows whose losses sum to {@code lossSum}, {@code correct} predicted
   * right, counted per class as {@code counts} holds them and, for a model of two outputs, scored as {@code scores}
   * holds them (null for more outputs).
   */
  public static EvaluationResult classification(int worker, long rows, double lossSum, long correct,
      ClassCounts counts, BinaryScores scores) {
    checkClassification(worker, rows, correct, counts, scores);
    return new EvaluationResult(worker, rows, lossSum, correct, Double.NaN, null, counts, scores, null);
  }

  /**
   * A classification's result for a model of three or more outputs, its rows scored one class against the rest as
   * {@code classScores} holds them.
   */
  public static EvaluationResult classification(int worker, long rows, double lossSum, long correct,
      ClassCounts counts, ClassScores classScores) {
    checkClassification(worker, rows, correct, counts, classScores.ofClass(0)); // each class scores every row
    return new EvaluationResult(worker, rows, lossSum, correct, Double.NaN, null, counts, null, classScores);
  }

  private static void checkClassification(int worker, long rows, long correct, ClassCounts counts,
      BinaryScores scores) {
    checkArgument(correct != NOT_COUNTED, "worker %s: a classification's result counts its correct rows", worker);
    checkArgument(counts.rows() == rows, "worker %s: class counts of %s rows for %s rows", worker, counts.rows(),
        rows);
    checkArgument(scores == null || scores.positives() + scores.negatives() == rows, "worker %s: scores of %s rows "
        + "for %s rows", worker, scores == null ? 0 : scores.positives() + scores.negatives(), rows);
  }

  /**
   * A result of a regression's {@code rows} rows whose losses sum to {@code lossSum} and whose absolute errors (each
   * row's mean over its outputs) sum to {@code absErrorSum}.
   */
  public static EvaluationResult regression(int worker, long rows, double lossSum, double absErrorSum) {
    // a NaN sum is measured too (a prediction that is NaN): said and left out by the driver, as a NaN loss is
    return new EvaluationResult(worker, rows, lossSum, rows, NOT_COUNTED, absErrorSum, true, null, null, null, null);
  }

  /** As {@link #regression(int, long, double, double)}, with the rows' squared errors and label statistics. */
  public static EvaluationResult regression(int worker, long rows, double lossSum, double absErrorSum,
      RegressionStats stats) {
    checkArgument(stats.rows() == rows, "worker %s: statistics of %s rows for %s rows", worker, stats.rows(), rows);
    return new EvaluationResult(worker, rows, lossSum, rows, NOT_COUNTED, absErrorSum, true, stats, null, null, null);
  }

  private EvaluationResult(int worker, long rows, double lossSum, long correct, double absErrorSum,
      RegressionStats stats, ClassCounts counts, BinaryScores scores, ClassScores classScores) {
    this(worker, rows, lossSum, rows, correct, absErrorSum, false, stats, counts, scores, classScores);
  }

  private EvaluationResult(int worker, long rows, double lossSum, double lossWeight, long correct, double absErrorSum,
      boolean errorMeasured, RegressionStats stats, ClassCounts counts, BinaryScores scores,
      ClassScores classScores) {
    checkArgument(lossWeight >= 0 && Double.isFinite(lossWeight), "worker %s: the loss weight of %s rows must be "
        + "finite and >= 0, got %s", worker, rows, lossWeight);
    checkArgument(worker >= 0, "worker must be >= 0, got %s", worker);
    checkArgument(rows >= 0, "rows must be >= 0, got %s", rows);
    checkArgument(correct == NOT_COUNTED || (correct >= 0 && correct <= rows),
        "correct must be %s or in [0, rows = %s], got %s", NOT_COUNTED, rows, correct);
    this.worker = worker;
    this.rows = rows;
    this.lossSum = lossSum;
    this.lossWeight = lossWeight;
    this.correct = correct;
    this.absErrorSum = errorMeasured ? absErrorSum : Double.NaN;
    this.errorMeasured = errorMeasured;
    this.stats = stats;
    this.counts = counts;
    this.scores = scores;
    this.classScores = classScores;
  }

  /**
   * This result with its rows' losses weighed as {@code lossWeight} in {@link #meanLoss()}: the sum of their labels'
   * class weights for a loss that weighs classes ({@code loss.class_weights}), whose {@link #lossSum()} then sums
   * each batch's weighted mean times that batch's weight; the number of rows by default.
   */
  public EvaluationResult withLossWeight(double lossWeight) {
    return new EvaluationResult(worker, rows, lossSum, lossWeight, correct, absErrorSum, errorMeasured, stats, counts,
        scores, classScores);
  }

  /**
   * {@code sum} plus {@code correct}, two counts of correct predictions; {@link #NOT_COUNTED} when
   * either was not counted (a loss other than softmax_cross_entropy).
   */
  public static long plusCorrect(long sum, long correct) {
    return sum == NOT_COUNTED || correct == NOT_COUNTED ? NOT_COUNTED : sum + correct;
  }

  /** Whether {@code config}'s loss is a classification's, whose correct predictions are counted. */
  static boolean counts(TrainingConfig config) {
    return io.epochal.worker.loss.Losses.isClassification(config.loss());
  }

  /**
   * The sum of {@code results}, added in worker order whatever order they come in, so the same
   * shards give the same bits.
   *
   * @throws IllegalArgumentException if {@code results} is empty, or some count correct predictions
   *     and others not
   */
  public static EvaluationResult combine(List<EvaluationResult> results) {
    checkArgument(!results.isEmpty(), "no evaluation results to combine");
    List<EvaluationResult> ordered = results.stream()
        .sorted(java.util.Comparator.comparingInt(EvaluationResult::worker)).toList();
    long rows = 0;
    double lossSum = 0;
    double lossWeight = 0;
    long correct = 0;
    double absErrorSum = 0;
    boolean measured = ordered.stream().allMatch(r -> r.errorMeasured);
    boolean counted = ordered.get(0).counted();
    boolean squares = ordered.stream().allMatch(r -> r.stats != null);
    for (EvaluationResult r : ordered) {
      checkArgument(r.counted() == counted, "worker %s %s correct predictions, worker %s %s", r.worker,
          r.counted() ? "counts" : "does not count", ordered.get(0).worker, counted ? "does" : "does not");
      rows += r.rows;
      lossSum += r.lossSum;
      lossWeight += r.lossWeight;
      correct += r.counted() ? r.correct : 0;
      absErrorSum += r.absErrorSum;
    }
    RegressionStats stats = squares ? RegressionStats.combine(ordered.stream().map(r -> r.stats).toList()) : null;
    // a shard without rows has no counts or scores to give: the others' are all there are
    List<ClassCounts> perClass = ordered.stream().filter(r -> r.counts != null).map(r -> r.counts).toList();
    ClassCounts counts = !perClass.isEmpty() && ordered.stream().allMatch(r -> r.counts != null || r.rows == 0)
        ? ClassCounts.combine(perClass) : null;
    BinaryScores scores = ordered.stream().anyMatch(r -> r.scores != null)
        && ordered.stream().allMatch(r -> r.scores != null || r.rows == 0)
        ? BinaryScores.combine(ordered.stream().filter(r -> r.scores != null).map(r -> r.scores).toList()) : null;
    ClassScores classScores = ordered.stream().anyMatch(r -> r.classScores != null)
        && ordered.stream().allMatch(r -> r.classScores != null || r.rows == 0)
        ? ClassScores.combine(ordered.stream().filter(r -> r.classScores != null).map(r -> r.classScores).toList())
        : null;
    return new EvaluationResult(0, rows, lossSum, lossWeight, counted ? correct : NOT_COUNTED, absErrorSum, measured,
        stats, counts, scores, classScores);
  }

  /** The worker index (0 for a combined result). */
  public int worker() {
    return worker;
  }

  /** Rows evaluated. */
  public long rows() {
    return rows;
  }

  /** The sum of the rows' losses. */
  public double lossSum() {
    return lossSum;
  }

  /** Rows whose largest output is their label's class, or {@link #NOT_COUNTED}. */
  public long correct() {
    return correct;
  }

  /** Whether correct predictions were counted (a classification loss). */
  public boolean counted() {
    return correct != NOT_COUNTED;
  }

  /** What {@link #meanLoss()} divides {@link #lossSum()} by: the rows, or the sum of their class weights. */
  public double lossWeight() {
    return lossWeight;
  }

  /** The mean loss over the rows, weighted by their class weights when the loss weighs classes (NaN for none). */
  public double meanLoss() {
    return rows == 0 ? Double.NaN : lossSum / lossWeight;
  }

  /** The share of rows predicted right (NaN for none or when not counted). */
  public double accuracy() {
    return rows == 0 || !counted() ? Double.NaN : (double) correct / rows;
  }

  /** Whether the rows' absolute errors were measured (a regression loss). */
  public boolean measuredError() {
    return errorMeasured;
  }

  /**
   * The mean absolute error over the rows, {@code |prediction - label|} averaged over every output (NaN for none or
   * when not measured; infinite or NaN for a prediction that is).
   */
  public double meanAbsoluteError() {
    return rows == 0 || !measuredError() ? Double.NaN : absErrorSum / rows;
  }

  /** A regression's squared errors and label statistics, or empty when not measured (classification). */
  public java.util.Optional<RegressionStats> regressionStats() {
    return java.util.Optional.ofNullable(stats);
  }

  /** The root mean squared error over every output of the rows (NaN for none or when not measured). */
  public double rootMeanSquaredError() {
    return stats == null ? Double.NaN : stats.rootMeanSquaredError();
  }

  /** R² averaged over the outputs ({@link RegressionStats#r2()}; NaN when not measured). */
  public double r2() {
    return stats == null ? Double.NaN : stats.r2();
  }

  /** A classification's counts per class, or empty when not measured (regression, or no rows). */
  public java.util.Optional<ClassCounts> classCounts() {
    return java.util.Optional.ofNullable(counts);
  }

  /** The balanced accuracy of a classification ({@link ClassCounts#balancedAccuracy()}; NaN when not measured). */
  public double balancedAccuracy() {
    return counts == null ? Double.NaN : counts.balancedAccuracy().orElse(Double.NaN);
  }

  /** The macro-averaged F1 score of a classification ({@link ClassCounts#macroF1()}; NaN when not measured). */
  public double macroF1() {
    return counts == null ? Double.NaN : counts.macroF1().orElse(Double.NaN);
  }

  /** A two-class model's scores by label, or empty when not measured (regression, or more classes). */
  public java.util.Optional<BinaryScores> binaryScores() {
    return java.util.Optional.ofNullable(scores);
  }

  /** A model of three or more outputs' scores one class against the rest, or empty when not measured. */
  public java.util.Optional<ClassScores> classScores() {
    return java.util.Optional.ofNullable(classScores);
  }

  /**
   * The area under the ROC curve of a two-class model ({@link BinaryScores#areaUnderRoc()}), or of more classes the
   * mean of their one-vs-rest areas ({@link ClassScores#macroAreaUnderRoc()}); NaN when not measured, or when the
   * rows hold only one of the labels.
   */
  public double areaUnderRoc() {
    return scores != null ? scores.areaUnderRoc().orElse(Double.NaN)
        : classScores != null ? classScores.macroAreaUnderRoc().orElse(Double.NaN) : Double.NaN;
  }

  /**
   * The average precision of a two-class model ({@link BinaryScores#averagePrecision()}), or of more classes the mean
   * of their one-vs-rest average precisions; NaN when not measured, or when the rows hold only one of the labels.
   */
  public double averagePrecision() {
    return scores != null ? scores.averagePrecision().orElse(Double.NaN)
        : classScores != null ? classScores.macroAveragePrecision().orElse(Double.NaN) : Double.NaN;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof EvaluationResult)) {
      return false;
    }
    EvaluationResult r = (EvaluationResult) o;
    return worker == r.worker && rows == r.rows && Double.compare(lossSum, r.lossSum) == 0
        && Double.compare(lossWeight, r.lossWeight) == 0 && correct == r.correct
        && Double.compare(absErrorSum, r.absErrorSum) == 0 && errorMeasured == r.errorMeasured
        && Objects.equals(stats, r.stats)
        && Objects.equals(counts, r.counts) && Objects.equals(scores, r.scores)
        && Objects.equals(classScores, r.classScores);
  }

  @Override
  public int hashCode() {
    return Objects.hash(worker, rows, lossSum, lossWeight, correct, absErrorSum, errorMeasured, stats, counts, scores,
        classScores);
  }

  @Override
  public String toString() {
    return "EvaluationResult{worker=" + worker + ", rows=" + rows + ", lossSum=" + lossSum
        + (lossWeight == rows ? "" : ", lossWeight=" + lossWeight)
        + (counted() ? ", correct=" + correct : "") + (measuredError() ? ", absErrorSum=" + absErrorSum : "")
        + (stats == null ? "" : ", " + stats) + (counts == null ? "" : ", " + counts)
        + (scores == null ? "" : ", " + scores) + (classScores == null ? "" : ", " + classScores) + "}";
  }
}
