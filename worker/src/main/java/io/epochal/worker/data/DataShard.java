package io.epochal.worker.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Arrays;

/**
 * One worker's part of the dataset as dense float blocks: {@code rows} samples of
 * {@code featureShape} features each (row-major) and {@code labelWidth} label values each (a class
 * index stored as a float for classification, the targets for regression), and optionally a
 * weight per sample ({@code data.weight}), each finite and at least 0.
 *
 * <p>The arrays are handed over at construction and never changed afterwards; accessors return
 * them without copying so that a shard of many megabytes is not duplicated per round. Callers must
 * not modify them.
 */
public final class DataShard {

  private final int worker;
  private final int rows;
  private final long[] featureShape;
  private final int featureSize;
  private final int labelWidth;
  private final float[] features;
  private final float[] labels;
  /** One weight per sample; null when every sample weighs the same. */
  private final float[] weights;

  /**
   * A shard for worker {@code worker} whose samples weigh the same.
   *
   * @throws IllegalArgumentException if the array lengths do not match rows and shapes
   */
  public DataShard(int worker, int rows, long[] featureShape, int labelWidth, float[] features, float[] labels) {
    this(worker, rows, featureShape, labelWidth, features, labels, null);
  }

  /**
   * A shard for worker {@code worker} with a weight per sample ({@code weights}, or null when every
   * sample weighs the same).
   *
   * @throws IllegalArgumentException if the array lengths do not match rows and shapes, or a weight
   *     is negative or not finite (naming its row)
   */
  public DataShard(int worker, int rows, long[] featureShape, int labelWidth, float[] features, float[] labels,
      float[] weights) {
    checkArgument(worker >= 0, "worker index must be >= 0, got %s", worker);
    checkArgument(rows >= 0, "rows must be >= 0, got %s", rows);
    checkArgument(labelWidth >= 1, "labelWidth must be >= 1, got %s", labelWidth);
    this.featureShape = checkNotNull(featureShape, "featureShape").clone();
    long size = 1;
    for (long d : featureShape) {
      checkArgument(d > 0, "feature shape %s has a non-positive dimension", Arrays.toString(featureShape));
      size = Math.multiplyExact(size, d);
    }
    this.featureSize = Math.toIntExact(size);
    checkArgument(features.length == (long) rows * featureSize,
        "shard of worker %s: %s rows x %s features needs %s values, got %s",
        worker, rows, featureSize, (long) rows * featureSize, features.length);
    checkArgument(labels.length == (long) rows * labelWidth,
        "shard of worker %s: %s rows x %s labels needs %s values, got %s",
        worker, rows, labelWidth, (long) rows * labelWidth, labels.length);
    this.worker = worker;
    this.rows = rows;
    this.labelWidth = labelWidth;
    this.features = features;
    this.labels = labels;
    if (weights != null) {
      checkArgument(weights.length == rows, "shard of worker %s: %s rows need %s weights, got %s",
          worker, rows, rows, weights.length);
      for (int i = 0; i < rows; i++) {
        if (!(weights[i] >= 0) || weights[i] == Float.POSITIVE_INFINITY) {
          throw new IllegalArgumentException("row " + i + " of worker " + worker + "'s shard has weight " + weights[i]
              + "; a sample weight is a finite number >= 0");
        }
      }
    }
    this.weights = weights;
  }

  /** The worker this shard belongs to. */
  public int worker() {
    return worker;
  }

  /** Number of samples. */
  public int rows() {
    return rows;
  }

  /** Shape of one sample's features, e.g. {@code [64]} or {@code [1, 28, 28]}. */
  public long[] featureShape() {
    return featureShape.clone();
  }

  /** Number of feature values per sample. */
  public int featureSize() {
    return featureSize;
  }

  /** Number of label values per sample. */
  public int labelWidth() {
    return labelWidth;
  }

  /** The features, row-major, {@code rows * featureSize} values. Do not modify. */
  public float[] features() {
    return features;
  }

  /** The labels, {@code rows * labelWidth} values. Do not modify. */
  public float[] labels() {
    return labels;
  }

  /** Whether the samples carry weights of their own ({@link #weights()}). */
  public boolean weighted() {
    return weights != null;
  }

  /** The samples' weights, {@code rows} values, or null when every sample weighs the same. Do not modify. */
  public float[] weights() {
    return weights;
  }

  /**
   * How many rows are labelled with each class in {@code [0, classes)}: a classification's labels, one class index per
   * row.
   *
   * @throws IllegalArgumentException naming the first row whose label is not such an index
   */
  public long[] classCounts(int classes) {
    checkArgument(labelWidth == 1, "worker %s's rows hold %s labels each; a class index is one", worker, labelWidth);
    long[] counts = new long[classes];
    for (int i = 0; i < rows; i++) {
      float v = labels[i];
      checkArgument(v >= 0 && v < classes && v == Math.rint(v), "row %s of worker %s's shard has label %s, not a class "
          + "index in [0, %s)", i, worker, v, classes);
      counts[(int) v]++;
    }
    return counts;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DataShard)) {
      return false;
    }
    DataShard s = (DataShard) o;
    return worker == s.worker && rows == s.rows && labelWidth == s.labelWidth
        && Arrays.equals(featureShape, s.featureShape) && Arrays.equals(features, s.features)
        && Arrays.equals(labels, s.labels) && Arrays.equals(weights, s.weights);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * worker + rows) + Arrays.hashCode(featureShape);
  }

  @Override
  public String toString() {
    return "DataShard[worker " + worker + ", " + rows + " rows, features " + Arrays.toString(featureShape)
        + ", labelWidth " + labelWidth + (weights == null ? "" : ", weighted") + "]";
  }
}
