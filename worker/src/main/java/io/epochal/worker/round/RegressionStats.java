package io.epochal.worker.round;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Arrays;
import java.util.List;

/**
 * What a regression's evaluated rows say about its outputs, per output: the rows' squared errors summed, and their
 * labels' mean and sum of squared deviations from it (Welford's running form, merged across workers with Chan's).
 * From these come the root mean squared error over every output ({@code torchmetrics.MeanSquaredError(squared=False)})
 * and the coefficient of determination R² averaged over the outputs ({@code sklearn.metrics.r2_score} and {@code
 * torchmetrics.R2Score}, {@code multioutput='uniform_average'}).
 *
 * <p>Immutable; it crosses from executor to driver inside an {@link EvaluationResult}. The squared deviations are
 * kept about the labels' mean, not as a sum of squares, so an output whose labels sit far from 0 (prices, years)
 * does not lose its variance to cancellation.
 */
public final class RegressionStats {

  private final long rows;
  private final double[] labelMean;
  private final double[] labelM2;
  private final double[] squaredErrors;

  private RegressionStats(long rows, double[] labelMean, double[] labelM2, double[] squaredErrors) {
    this.rows = rows;
    this.labelMean = labelMean;
    this.labelM2 = labelM2;
    this.squaredErrors = squaredErrors;
  }

  /** No rows of {@code width} outputs. */
  public static RegressionStats empty(int width) {
    checkArgument(width >= 1, "width must be >= 1, got %s", width);
    return new RegressionStats(0, new double[width], new double[width], new double[width]);
  }

  /**
   * These rows and rows {@code order[start..end)} of {@code labels} ({@code width} per row) with the model's {@code
   * outputs} for them (the batch's rows in that order); each difference is taken in float32, as the loss takes it.
   */
  public RegressionStats plus(float[] outputs, float[] labels, int[] order, int start, int end) {
    int width = width();
    checkArgument(outputs.length >= (end - start) * width, "%s outputs for %s rows of %s", outputs.length,
        end - start, width);
    long n = rows;
    double[] mean = labelMean.clone();
    double[] m2 = labelM2.clone();
    double[] se = squaredErrors.clone();
    for (int i = 0; i < end - start; i++) {
      n++;
      int row = order[start + i] * width;
      for (int j = 0; j < width; j++) {
        float label = labels[row + j];
        double d = outputs[i * width + j] - label;
        se[j] += d * d;
        double delta = label - mean[j];
        mean[j] += delta / n;
        m2[j] += delta * (label - mean[j]);
      }
    }
    return new RegressionStats(n, mean, m2, se);
  }

  /**
   * The statistics of all of {@code parts}' rows, merged in the list's order (the same parts in the same order give
   * the same bits).
   *
   * @throws IllegalArgumentException if {@code parts} is empty or their widths differ
   */
  public static RegressionStats combine(List<RegressionStats> parts) {
    checkNotNull(parts, "parts");
    checkArgument(!parts.isEmpty(), "no regression statistics to combine");
    int width = parts.get(0).width();
    long n = 0;
    double[] mean = new double[width];
    double[] m2 = new double[width];
    double[] se = new double[width];
    for (RegressionStats p : parts) {
      checkArgument(p.width() == width, "regression statistics of %s and %s outputs cannot be combined", width,
          p.width());
      if (p.rows == 0) {
        continue;
      }
      if (n == 0) { // the first rows' statistics as they are
        n = p.rows;
        mean = p.labelMean.clone();
        m2 = p.labelM2.clone();
        se = p.squaredErrors.clone();
        continue;
      }
      long total = n + p.rows;
      for (int j = 0; j < width; j++) {
        double delta = p.labelMean[j] - mean[j];
        mean[j] += delta * p.rows / total;
        m2[j] += p.labelM2[j] + delta * delta * ((double) n * p.rows / total);
        se[j] += p.squaredErrors[j];
      }
      n = total;
    }
    return new RegressionStats(n, mean, m2, se);
  }

  /** Rows these statistics are of. */
  public long rows() {
    return rows;
  }

  /** Outputs per row. */
  public int width() {
    return squaredErrors.length;
  }

  /** The mean of the squared errors over every output of every row (NaN for no rows). */
  public double meanSquaredError() {
    if (rows == 0) {
      return Double.NaN;
    }
    double sum = 0;
    for (double s : squaredErrors) {
      sum += s;
    }
    return sum / ((double) rows * width());
  }

  /** The square root of {@link #meanSquaredError()}. */
  public double rootMeanSquaredError() {
    return Math.sqrt(meanSquaredError());
  }

  /**
   * R², {@code 1 - sum((y - prediction)^2) / sum((y - mean(y))^2)} per output, averaged over the outputs; as
   * scikit-learn's default, an output whose labels are all equal scores 1 when predicted exactly and 0 otherwise.
   * NaN for fewer than two rows, where it is not defined (torchmetrics refuses them); infinite or NaN for outputs
   * that are.
   */
  public double r2() {
    if (rows < 2) {
      return Double.NaN;
    }
    double sum = 0;
    for (int j = 0; j < width(); j++) {
      if (labelM2[j] == 0) {
        sum += squaredErrors[j] == 0 ? 1 : 0;
      } else {
        sum += 1 - squaredErrors[j] / labelM2[j];
      }
    }
    return sum / width();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RegressionStats)) {
      return false;
    }
    RegressionStats s = (RegressionStats) o;
    return rows == s.rows && Arrays.equals(labelMean, s.labelMean) && Arrays.equals(labelM2, s.labelM2)
        && Arrays.equals(squaredErrors, s.squaredErrors);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(rows) + 31 * Arrays.hashCode(squaredErrors) + 961 * Arrays.hashCode(labelM2);
  }

  @Override
  public String toString() {
    return "RegressionStats{rows=" + rows + ", squaredErrors=" + Arrays.toString(squaredErrors) + ", labelMean="
        + Arrays.toString(labelMean) + ", labelM2=" + Arrays.toString(labelM2) + "}";
  }
}
