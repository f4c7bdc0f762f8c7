package io.epochal.worker.round;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The scores a model of three or more outputs gives held-out rows, one class against the rest: for
 * each class a {@link BinaryScores} whose positives are the rows labelled with it, each row scored by
 * its log-probability of that class, {@code z_c - log sum_j exp(z_j)} computed in double from its
 * float32 logits as {@code (z_c - max) - log sum_j exp(z_j - max)}, the terms summed in ascending
 * order (so that rows whose logits are the same values in another order, or shifted by a constant,
 * score alike, as their probabilities are alike), which orders the rows as the softmax's probability
 * of the class does, without the probability's rounding to equal values near 0 and 1. From them the
 * one-vs-rest areas under the ROC curve and average precisions, averaged over the classes with equal
 * weights (scikit-learn's {@code roc_auc_score(multi_class="ovr", average="macro")}, torchmetrics'
 * {@code MulticlassAUROC} and {@code MulticlassAveragePrecision} with {@code average="macro"}).
 * Shards merge without loss ({@link #combine}). Holds 8 bytes per row and class. Immutable.
 */
public final class ClassScores {

  /** The most outputs a model may have for its rows to be scored: 8 bytes per row and class cross from each worker. */
  public static final int MAX_CLASSES = 100;

  private final BinaryScores[] perClass;

  private ClassScores(BinaryScores[] perClass) {
    this.perClass = perClass;
  }

  /** A collector of the scores of one shard's {@code rows} rows for a model of {@code classes} outputs. */
  public static Collector collector(int rows, int classes) {
    return new Collector(rows, classes);
  }

  /** The scores of every shard of {@code shards} together (the same whatever their order). */
  public static ClassScores combine(List<ClassScores> shards) {
    checkArgument(!shards.isEmpty(), "no class scores to combine");
    int classes = shards.get(0).classes();
    BinaryScores[] all = new BinaryScores[classes];
    for (int c = 0; c < classes; c++) {
      List<BinaryScores> ofClass = new ArrayList<>(shards.size());
      for (ClassScores s : shards) {
        checkNotNull(s, "class scores of a shard");
        checkArgument(s.classes() == classes, "class scores of %s and %s classes", s.classes(), classes);
        ofClass.add(s.perClass[c]);
      }
      all[c] = BinaryScores.combine(ofClass);
    }
    return new ClassScores(all);
  }

  /** The number of classes (the model's outputs). */
  public int classes() {
    return perClass.length;
  }

  /** Class {@code c} against the rest. */
  public BinaryScores ofClass(int c) {
    return perClass[c];
  }

  /**
   * The mean of the classes' one-vs-rest areas under the ROC curve, over the classes some row is labelled with (a
   * class no held-out row is labelled with has no area; scikit-learn refuses such rows); empty when fewer than two
   * classes have rows or a score is NaN.
   */
  public OptionalDouble macroAreaUnderRoc() {
    return macro(true);
  }

  /** The mean of the classes' one-vs-rest average precisions, over the classes some row is labelled with. */
  public OptionalDouble macroAveragePrecision() {
    return macro(false);
  }

  private OptionalDouble macro(boolean area) {
    double sum = 0;
    int measured = 0;
    for (BinaryScores s : perClass) {
      if (s.positives() == 0) {
        continue;
      }
      OptionalDouble v = area ? s.areaUnderRoc() : s.averagePrecision();
      if (v.isEmpty()) {
        return OptionalDouble.empty(); // a NaN score, or only one class has rows
      }
      sum += v.getAsDouble();
      measured++;
    }
    return measured < 2 ? OptionalDouble.empty() : OptionalDouble.of(sum / measured);
  }

  /** Collects one shard's scores; not thread-safe. */
  public static final class Collector {
    /** Per class: its positives' scores from the front, the other rows' from the back. */
    private final double[][] scores;
    private final int[] p;
    private final int[] q;
    private final double[] row;
    private final double[] terms;

    private Collector(int rows, int classes) {
      checkArgument(rows >= 0, "rows must be >= 0, got %s", rows);
      checkArgument(classes >= 3 && classes <= MAX_CLASSES, "class scores are for 3 to %s classes, got %s",
          MAX_CLASSES, classes);
      this.scores = new double[classes][rows];
      this.p = new int[classes];
      this.q = new int[classes];
      this.row = new double[classes];
      this.terms = new double[classes];
    }

    /**
     * Adds the scores of rows {@code order[start..end)}; {@code logits} holds the batch's logits, one per class and
     * row, in that order.
     *
     * @throws IllegalArgumentException if {@code logits} does not hold one per class and row, a label is not a class
     *     index, or more rows come than the collector was made for
     */
    public Collector add(float[] logits, float[] labels, int[] order, int start, int end) {
      int n = end - start;
      int classes = scores.length;
      checkArgument(logits.length == classes * n, "%s logits for %s rows of %s classes", logits.length, n, classes);
      checkArgument(p[0] + q[0] + n <= scores[0].length, "more than the %s rows the collector was made for",
          scores[0].length);
      for (int i = 0; i < n; i++) {
        float label = labels[order[start + i]];
        checkArgument(label >= 0 && label < classes && label == (int) label, "a label must be a class index in [0, "
            + "%s), got %s in row %s", classes, label, order[start + i]);
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < classes; c++) {
          row[c] = logits[i * classes + c];
          max = Math.max(max, row[c]);
        }
        for (int c = 0; c < classes; c++) {
          terms[c] = Math.exp(row[c] - max);
        }
        Arrays.sort(terms); // one order of summation for the same logits in any order
        double sum = 0;
        for (double t : terms) {
          sum += t;
        }
        double logSum = Math.log(sum);
        for (int c = 0; c < classes; c++) {
          double score = (row[c] - max) - logSum; // the same for logits shifted by a constant
          double[] s = scores[c];
          if (c == (int) label) {
            s[p[c]++] = score;
          } else {
            s[s.length - 1 - q[c]++] = score;
          }
        }
      }
      return this;
    }

    /** The scores collected. */
    public ClassScores build() {
      BinaryScores[] perClass = new BinaryScores[scores.length];
      for (int c = 0; c < scores.length; c++) {
        perClass[c] = BinaryScores.sorted(scores[c], p[c], q[c]);
      }
      return new ClassScores(perClass);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClassScores s && Arrays.equals(perClass, s.perClass);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(perClass);
  }

  @Override
  public String toString() {
    return "ClassScores{" + perClass.length + " classes, " + (perClass.length == 0 ? 0
        : perClass[0].positives() + perClass[0].negatives()) + " rows}";
  }
}
