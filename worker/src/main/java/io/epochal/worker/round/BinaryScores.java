package io.epochal.worker.round;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The scores a two-class model gives held-out rows, split by their label and sorted, from which
 * the area under the ROC curve is exact: each row's score is its class-1 logit minus its class-0
 * logit (in double, exact for logits within 2^29 of each other), which orders the rows as the
 * softmax's class-1 probability does, without the probability's rounding to equal values near 0 and
 * 1. Shards merge without loss ({@link #combine}), so the area over every worker's rows is the area
 * over all rows at once. Holds 8 bytes per row. Immutable; it crosses from executor to driver inside
 * an {@link EvaluationResult}.
 */
public final class BinaryScores {

  /** Scores of rows labelled 1, ascending. */
  private final double[] positives;
  /** Scores of rows labelled 0, ascending. */
  private final double[] negatives;

  private BinaryScores(double[] positives, double[] negatives) {
    this.positives = positives;
    this.negatives = negatives;
  }

  /** A collector of the scores of one shard's rows, batch by batch; {@link Collector#build} sorts them once. */
  public static Collector collector(int rows) {
    return new Collector(rows);
  }

  /** The scores of every shard of {@code shards} together (the same whatever their order). */
  public static BinaryScores combine(List<BinaryScores> shards) {
    int p = 0;
    int n = 0;
    for (BinaryScores s : shards) {
      checkNotNull(s, "scores of a shard");
      p += s.positives.length;
      n += s.negatives.length;
    }
    double[] pos = new double[p];
    double[] neg = new double[n];
    p = 0;
    n = 0;
    for (BinaryScores s : shards) {
      System.arraycopy(s.positives, 0, pos, p, s.positives.length);
      System.arraycopy(s.negatives, 0, neg, n, s.negatives.length);
      p += s.positives.length;
      n += s.negatives.length;
    }
    Arrays.sort(pos); // NaN last
    Arrays.sort(neg);
    return new BinaryScores(pos, neg);
  }

  /** Collects one shard's scores; not thread-safe. */
  public static final class Collector {
    /** Positives' scores from the front, negatives' from the back: one array for the shard's rows. */
    private final double[] scores;
    private int p;
    private int q;

    private Collector(int rows) {
      checkArgument(rows >= 0, "rows must be >= 0, got %s", rows);
      this.scores = new double[rows];
    }

    /**
     * Adds the scores of rows {@code order[start..end)}; {@code logits} holds the batch's two logits
     * per row in that order.
     *
     * @throws IllegalArgumentException if {@code logits} does not hold two per row, a label is not 0
     *     or 1, or more rows come than the collector was made for
     */
    public Collector add(float[] logits, float[] labels, int[] order, int start, int end) {
      int n = end - start;
      checkArgument(logits.length == 2 * n, "the area under the ROC curve needs 2 logits per row, got %s for %s "
          + "rows", logits.length, n);
      checkArgument(p + q + n <= scores.length, "more than the %s rows the collector was made for", scores.length);
      for (int i = 0; i < n; i++) {
        float label = labels[order[start + i]];
        double score = (double) logits[2 * i + 1] - logits[2 * i];
        if (label == 1f) {
          scores[p++] = score;
        } else {
          checkArgument(label == 0f, "a two-class label must be 0 or 1, got %s in row %s", (Object) label,
              order[start + i]);
          scores[scores.length - 1 - q++] = score;
        }
      }
      return this;
    }

    /** The scores collected. */
    public BinaryScores build() {
      return sorted(scores, p, q);
    }
  }

  /**
   * The scores of {@code scores}' first {@code p} entries (rows of the positive label) and its last
   * {@code q} (the others), sorted into new arrays.
   */
  static BinaryScores sorted(double[] scores, int p, int q) {
    double[] sortedPos = Arrays.copyOf(scores, p);
    double[] sortedNeg = Arrays.copyOfRange(scores, scores.length - q, scores.length);
    Arrays.sort(sortedPos); // NaN last, -0.0 before 0.0 (which compare equal below)
    Arrays.sort(sortedNeg);
    return new BinaryScores(sortedPos, sortedNeg);
  }

  /** Rows labelled 1. */
  public int positives() {
    return positives.length;
  }

  /** Rows labelled 0. */
  public int negatives() {
    return negatives.length;
  }

  /**
   * The area under the ROC curve: the chance that a row labelled 1 scores above a row labelled 0,
   * a tie counting one half (scikit-learn's {@code roc_auc_score}, torchmetrics' {@code
   * BinaryAUROC}); computed from whole counts, so exact to the double nearest it. Empty when either
   * label has no row (scikit-learn refuses those) or a score is NaN.
   */
  public OptionalDouble areaUnderRoc() {
    int p = positives.length;
    int n = negatives.length;
    if (p == 0 || n == 0 || Double.isNaN(positives[p - 1]) || Double.isNaN(negatives[n - 1])) {
      return OptionalDouble.empty();
    }
    long twiceWins = 0; // 2 x (pairs won) + (pairs tied)
    int below = 0;
    int upTo = 0;
    for (double score : positives) {
      while (below < n && negatives[below] < score) {
        below++;
      }
      upTo = Math.max(upTo, below);
      while (upTo < n && negatives[upTo] <= score) {
        upTo++;
      }
      twiceWins += 2L * below + (upTo - below);
    }
    return OptionalDouble.of(twiceWins / (2.0 * p * n));
  }

  /**
   * The average precision: the precision at each score threshold, from the highest score down, weighed by the share
   * of the rows labelled 1 that the threshold adds to those above it, {@code sum (R_k - R_k-1) P_k}, without
   * interpolation (scikit-learn's {@code average_precision_score}, torchmetrics' {@code BinaryAveragePrecision}; rows
   * of equal score pass a threshold together). Empty when either label has no row or a score is NaN.
   */
  public OptionalDouble averagePrecision() {
    int p = positives.length;
    int n = negatives.length;
    if (p == 0 || n == 0 || Double.isNaN(positives[p - 1]) || Double.isNaN(negatives[n - 1])) {
      return OptionalDouble.empty();
    }
    double sum = 0; // of (rows labelled 1 the threshold adds) x (precision at it)
    int i = p - 1;
    int j = n - 1;
    long truePositives = 0;
    long falsePositives = 0;
    while (i >= 0) { // thresholds below the lowest positive add no recall
      double threshold = j >= 0 ? Math.max(positives[i], negatives[j]) : positives[i];
      long added = 0;
      while (i >= 0 && positives[i] == threshold) {
        added++;
        i--;
      }
      while (j >= 0 && negatives[j] == threshold) {
        falsePositives++;
        j--;
      }
      truePositives += added;
      if (added > 0) {
        sum += added * ((double) truePositives / (truePositives + falsePositives));
      }
    }
    return OptionalDouble.of(sum / p);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BinaryScores s && Arrays.equals(positives, s.positives)
        && Arrays.equals(negatives, s.negatives);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(positives) + Arrays.hashCode(negatives);
  }

  @Override
  public String toString() {
    return "BinaryScores{" + positives.length + " positive, " + negatives.length + " negative}";
  }
}
