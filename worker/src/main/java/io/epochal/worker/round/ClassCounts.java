package io.epochal.worker.round;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Per class, how many held-out rows a classification model predicted as it (its largest output, the
 * first of equal ones), how many are labelled with it, and how many of those it predicted right:
 * the counts behind each class's precision, recall and F1, which add up exactly across workers
 * ({@link #combine}). Three counts per class. Immutable; it crosses from executor to driver inside
 * an {@link EvaluationResult}.
 */
public final class ClassCounts {

  private final long[] predicted;
  private final long[] labelled;
  private final long[] right;

  private ClassCounts(long[] predicted, long[] labelled, long[] right) {
    this.predicted = predicted;
    this.labelled = labelled;
    this.right = right;
  }

  /** A collector for a model of {@code classes} outputs, batch by batch. */
  public static Collector collector(int classes) {
    return new Collector(classes);
  }

  /**
   * The counts of every shard of {@code shards} together.
   *
   * @throws IllegalArgumentException if the shards count different numbers of classes
   */
  public static ClassCounts combine(List<ClassCounts> shards) {
    checkArgument(!shards.isEmpty(), "no class counts to combine");
    int classes = shards.get(0).classes();
    long[] predicted = new long[classes];
    long[] labelled = new long[classes];
    long[] right = new long[classes];
    for (ClassCounts s : shards) {
      checkNotNull(s, "counts of a shard");
      checkArgument(s.classes() == classes, "class counts of %s and %s classes cannot be combined", classes,
          s.classes());
      for (int c = 0; c < classes; c++) {
        predicted[c] += s.predicted[c];
        labelled[c] += s.labelled[c];
        right[c] += s.right[c];
      }
    }
    return new ClassCounts(predicted, labelled, right);
  }

  /** The classes counted (the model's outputs). */
  public int classes() {
    return predicted.length;
  }

  /** Rows predicted as class {@code c}. */
  public long predicted(int c) {
    return predicted[c];
  }

  /** Rows labelled {@code c}. */
  public long labelled(int c) {
    return labelled[c];
  }

  /** Rows labelled {@code c} and predicted as {@code c}. */
  public long right(int c) {
    return right[c];
  }

  /** The rows counted: every row is labelled with one class. */
  public long rows() {
    return Arrays.stream(labelled).sum();
  }

  /** The rows predicted right, over every class. */
  public long rightRows() {
    return Arrays.stream(right).sum();
  }

  /** Class {@code c}'s precision, {@code tp / (tp + fp)}; empty when no row is predicted as it. */
  public OptionalDouble precision(int c) {
    return share(right[c], predicted[c]);
  }

  /** Class {@code c}'s recall, {@code tp / (tp + fn)}; empty when no row is labelled with it. */
  public OptionalDouble recall(int c) {
    return share(right[c], labelled[c]);
  }

  /**
   * Class {@code c}'s F1 score, {@code 2 tp / (2 tp + fp + fn)}; empty when no row is labelled with
   * it or predicted as it.
   */
  public OptionalDouble f1(int c) {
    return share(2 * right[c], predicted[c] + labelled[c]);
  }

  private static OptionalDouble share(long part, long whole) {
    return whole == 0 ? OptionalDouble.empty() : OptionalDouble.of((double) part / whole);
  }

  /**
   * The macro-averaged F1 score: each class's {@link #f1}, averaged with equal weights over the
   * classes some row is labelled with or predicted as (scikit-learn's {@code
   * f1_score(average="macro")}, whose labels are those of the rows and predictions; a class with
   * rows but no right prediction scores 0). Empty for no rows.
   */
  public OptionalDouble macroF1() {
    return meanOverClasses(this::f1);
  }

  /**
   * The balanced accuracy: each class's {@link #recall}, averaged with equal weights over the classes some row is
   * labelled with (scikit-learn's {@code balanced_accuracy_score}; torchmetrics' {@code MulticlassAccuracy(average=
   * "macro")} also averages in, as 0, a class predicted for some row but labelled on none): the accuracy the rows
   * would score if every class had as many. Empty for no rows.
   */
  public OptionalDouble balancedAccuracy() {
    return meanOverClasses(this::recall);
  }

  /** The mean of {@code perClass} over the classes it gives a value for; empty when it gives none. */
  private OptionalDouble meanOverClasses(java.util.function.IntFunction<OptionalDouble> perClass) {
    double sum = 0;
    int counted = 0;
    for (int c = 0; c < predicted.length; c++) {
      OptionalDouble v = perClass.apply(c);
      if (v.isPresent()) {
        sum += v.getAsDouble();
        counted++;
      }
    }
    return counted == 0 ? OptionalDouble.empty() : OptionalDouble.of(sum / counted);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClassCounts s && Arrays.equals(predicted, s.predicted) && Arrays.equals(labelled, s.labelled)
        && Arrays.equals(right, s.right);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(predicted) + Arrays.hashCode(labelled)) + Arrays.hashCode(right);
  }

  @Override
  public String toString() {
    return "ClassCounts{" + predicted.length + " classes, " + rows() + " rows}";
  }

  /** Counts one shard's rows; not thread-safe. */
  public static final class Collector {
    private final long[] predicted;
    private final long[] labelled;
    private final long[] right;

    private Collector(int classes) {
      checkArgument(classes >= 1, "classes must be >= 1, got %s", classes);
      predicted = new long[classes];
      labelled = new long[classes];
      right = new long[classes];
    }

    /**
     * Counts rows {@code order[start..end)}, predicted as {@code predictions} holds them in that order.
     *
     * @throws IllegalArgumentException naming a label that is not a class index of the model
     */
    public Collector add(int[] predictions, float[] labels, int[] order, int start, int end) {
      for (int i = 0; i < end - start; i++) {
        float label = labels[order[start + i]];
        int c = (int) label;
        checkArgument(c == label && c >= 0 && c < predicted.length, "label %s of row %s is no class index of a "
            + "model of %s outputs", label, order[start + i], predicted.length);
        labelled[c]++;
        predicted[predictions[i]]++;
        right[c] += predictions[i] == c ? 1 : 0;
      }
      return this;
    }

    /** The counts so far. */
    public ClassCounts build() {
      return new ClassCounts(predicted.clone(), labelled.clone(), right.clone());
    }
  }
}
