package io.epochal.driver.train;

import io.epochal.driver.aggregate.AggregateResult;
import io.epochal.driver.aggregate.RoundSums;
import io.epochal.worker.round.EvaluationResult;
import io.epochal.worker.round.GradNorms;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The sums an epoch's metrics are made of, over its rounds so far: loss, rows, correct rows (for
 * classification), absolute error (for regression) and what clipping saw. A mid-epoch checkpoint
 * records them in its manifest's metrics ({@code progress.*}, every value a double that JSON gives
 * back exactly), so an epoch resumed inside it ends with the metrics of an epoch that never stopped.
 * Immutable.
 */
final class EpochProgress {

  /** The prefix of the metrics a mid-epoch checkpoint records them under. */
  static final String PREFIX = "progress.";
  /** Nothing trained yet. */
  static final EpochProgress NONE = new EpochProgress(0, 0, 0, 0, GradNorms.NONE);

  private static final String LOSS_SUM = PREFIX + "loss_sum";
  private static final String SAMPLES = PREFIX + "samples";
  private static final String CORRECT = PREFIX + "correct";
  private static final String ABS_ERROR_SUM = PREFIX + "abs_error_sum";
  private static final String NORM_STEPS = PREFIX + "grad_norm_steps";
  private static final String NORM_SUM = PREFIX + "grad_norm_sum";
  private static final String NORM_MAX = PREFIX + "grad_norm_max";
  private static final String NORM_CLIPPED = PREFIX + "grad_norm_clipped";

  private final double lossSum;
  private final long samples;
  /** {@link EvaluationResult#NOT_COUNTED} once a round did not count them (not classification). */
  private final long correct;
  /** NaN once a round did not measure it (classification). */
  private final double absErrorSum;
  private final GradNorms norms;

  private EpochProgress(double lossSum, long samples, long correct, double absErrorSum, GradNorms norms) {
    this.lossSum = lossSum;
    this.samples = samples;
    this.correct = correct;
    this.absErrorSum = absErrorSum;
    this.norms = norms;
  }

  /**
   * These sums with the rounds of {@code result} added, one round at a time in round order ({@link
   * RoundSums}): the same bits whether the rounds ran one Spark job each or as one chain.
   */
  EpochProgress plus(AggregateResult result) {
    double loss = lossSum;
    double absErrors = absErrorSum;
    GradNorms n = norms;
    for (RoundSums round : result.roundSums()) {
      loss += round.lossSum();
      absErrors += round.absErrorSum();
      n = n.plus(round.gradNorms());
    }
    return new EpochProgress(loss, samples + result.samples(), EvaluationResult.plusCorrect(correct, result.correct()),
        absErrors, n);
  }

  double lossSum() {
    return lossSum;
  }

  long samples() {
    return samples;
  }

  /** The rows predicted right, or {@link EvaluationResult#NOT_COUNTED}. */
  long correct() {
    return correct;
  }

  /** The sum of absolute errors, or NaN when not measured. */
  double absErrorSum() {
    return absErrorSum;
  }

  GradNorms norms() {
    return norms;
  }

  /** The mean loss per row so far (0 before any row). */
  double meanLoss() {
    return lossSum / Math.max(1, samples);
  }

  /** The metrics a mid-epoch checkpoint records these sums as; the absolute error only when measured. */
  Map<String, Double> toMetrics() {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put(LOSS_SUM, lossSum);
    m.put(SAMPLES, (double) samples);
    m.put(CORRECT, (double) correct);
    if (Double.isFinite(absErrorSum)) {
      m.put(ABS_ERROR_SUM, absErrorSum);
    }
    m.put(NORM_STEPS, (double) norms.steps());
    m.put(NORM_SUM, norms.sum());
    m.put(NORM_MAX, norms.max());
    m.put(NORM_CLIPPED, (double) norms.clipped());
    return m;
  }

  /**
   * The sums {@code metrics} (a mid-epoch checkpoint's) record.
   *
   * @throws IllegalArgumentException naming the metric when one of them is missing
   */
  static EpochProgress of(Map<String, Double> metrics) {
    return new EpochProgress(get(metrics, LOSS_SUM), (long) get(metrics, SAMPLES), (long) get(metrics, CORRECT),
        metrics.getOrDefault(ABS_ERROR_SUM, Double.NaN), new GradNorms((long) get(metrics, NORM_STEPS),
        get(metrics, NORM_SUM), get(metrics, NORM_MAX), (long) get(metrics, NORM_CLIPPED)));
  }

  /** {@code metrics} without the sums: the metrics of the epoch before, which a mid-epoch checkpoint carries. */
  static Map<String, Double> withoutProgress(Map<String, Double> metrics) {
    Map<String, Double> m = new LinkedHashMap<>(metrics);
    m.keySet().removeIf(k -> k.startsWith(PREFIX));
    return m;
  }

  private static double get(Map<String, Double> metrics, String key) {
    Double v = metrics.get(key);
    if (v == null) {
      throw new IllegalArgumentException("the mid-epoch checkpoint's metrics have no " + key + " (it records the "
          + "sums of the epoch's rounds before it as " + PREFIX + "*)");
    }
    return v;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EpochProgress p && Double.compare(lossSum, p.lossSum) == 0 && samples == p.samples
        && correct == p.correct && Double.compare(absErrorSum, p.absErrorSum) == 0 && norms.equals(p.norms);
  }

  @Override
  public int hashCode() {
    return Objects.hash(lossSum, samples, correct, absErrorSum, norms);
  }

  @Override
  public String toString() {
    return "EpochProgress{lossSum=" + lossSum + ", samples=" + samples + ", correct=" + correct + ", absErrorSum="
        + absErrorSum + ", norms=" + norms + "}";
  }
}
