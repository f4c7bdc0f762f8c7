package io.epochal.worker.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RegressionStatsTest {

  private static int[] identity(int n) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    return order;
  }

  private static RegressionStats of(float[] outputs, float[] labels, int width) {
    return RegressionStats.empty(width).plus(outputs, labels, identity(labels.length / width), 0,
        labels.length / width);
  }

  @Test
  void rmseAndR2AreScikitLearnsOnItsOwnExamples() {
    // sklearn.metrics.r2_score's documented examples; values from their definitions in float64
    RegressionStats one = of(new float[] {2.5f, 0, 2, 8}, new float[] {3, -0.5f, 2, 7}, 1);
    assertThat(one.r2()).isCloseTo(0.9486081370449679, within(1e-15));
    assertThat(one.rootMeanSquaredError()).isCloseTo(0.6123724356957945, within(1e-15));
    RegressionStats two = of(new float[] {0, 2, -1, 2, 8, -5}, new float[] {0.5f, 1, -1, 1, 7, -6}, 2);
    assertThat(two.r2()).as("the outputs' R2 averaged").isCloseTo(0.9368005266622779, within(1e-15));
    assertThat(two.rootMeanSquaredError()).isCloseTo(0.8416254115301732, within(1e-15));
    assertThat(two.meanSquaredError()).isCloseTo(0.7083333333333334, within(1e-15));
  }

  @Test
  void theRowsAreTakenInTheirOrderFromTheBatchsOutputs() {
    float[] labels = {10, 20, 30};
    RegressionStats reordered = RegressionStats.empty(1).plus(new float[] {31, 11}, labels, new int[] {2, 0, 1}, 0, 2);
    assertThat(reordered.rows()).isEqualTo(2);
    assertThat(reordered.meanSquaredError()).isEqualTo(1.0); // 31 against 30, 11 against 10
    assertThat(reordered.r2()).isEqualTo(1 - 2.0 / 200);
  }

  @Test
  void workersStatisticsCombinedEqualThoseOfAllTheirRowsEvenFarFromZero() {
    SplittableRandom rnd = new SplittableRandom(5);
    int n = 3000;
    float[] labels = new float[n * 2];
    float[] outputs = new float[n * 2];
    for (int i = 0; i < n; i++) {
      labels[2 * i] = (float) (rnd.nextGaussian() * 3 + 1);
      labels[2 * i + 1] = (float) (1e6 + rnd.nextGaussian()); // a variance of 1 about a mean of a million
      outputs[2 * i] = labels[2 * i] + (float) rnd.nextGaussian();
      outputs[2 * i + 1] = labels[2 * i + 1] + (float) (rnd.nextGaussian() * 0.5);
    }
    RegressionStats all = of(outputs, labels, 2);
    int[] order = identity(n);
    List<RegressionStats> parts = new ArrayList<>();
    int[] cuts = {0, 1, 700, 700, 2100, n};
    for (int k = 0; k + 1 < cuts.length; k++) {
      RegressionStats part = RegressionStats.empty(2);
      for (int start = cuts[k]; start < cuts[k + 1]; start += 64) { // in batches, as an evaluation runs
        int end = Math.min(cuts[k + 1], start + 64);
        float[] batch = java.util.Arrays.copyOfRange(outputs, 2 * start, 2 * end);
        part = part.plus(batch, labels, order, start, end);
      }
      parts.add(part);
    }
    RegressionStats combined = RegressionStats.combine(parts);
    assertThat(combined.rows()).isEqualTo(n);
    // merged in another order of additions: equal to about 1e-11 (the labels' mean of a million costs digits)
    assertThat(combined.rootMeanSquaredError()).isCloseTo(all.rootMeanSquaredError(), within(1e-12));
    assertThat(combined.r2()).isCloseTo(all.r2(), within(1e-10));
    // against a two-pass computation of the definition: the second output keeps its variance
    double[] r2 = new double[2];
    for (int j = 0; j < 2; j++) {
      double mean = 0;
      for (int i = 0; i < n; i++) {
        mean += labels[2 * i + j];
      }
      mean /= n;
      double tss = 0;
      double rss = 0;
      for (int i = 0; i < n; i++) {
        tss += (labels[2 * i + j] - mean) * (labels[2 * i + j] - mean);
        double d = outputs[2 * i + j] - labels[2 * i + j];
        rss += d * d;
      }
      r2[j] = 1 - rss / tss;
    }
    assertThat(r2[1]).as("far from zero, float32 labels still vary").isBetween(0.5, 0.9);
    assertThat(combined.r2()).isCloseTo((r2[0] + r2[1]) / 2, within(1e-9));
    assertThat(RegressionStats.combine(parts)).as("the same parts, the same bits").isEqualTo(combined);
    assertThat(RegressionStats.combine(List.of(all))).isEqualTo(all);
  }

  @Test
  void constantLabelsScoreOneWhenPredictedExactlyAndZeroOtherwise() {
    assertThat(of(new float[] {4, 4, 4}, new float[] {4, 4, 4}, 1).r2()).isEqualTo(1.0);
    assertThat(of(new float[] {4, 5, 4}, new float[] {4, 4, 4}, 1).r2()).isEqualTo(0.0);
  }

  @Test
  void fewerThanTwoRowsHaveNoR2AndNoRowsNoError() {
    assertThat(of(new float[] {1}, new float[] {2}, 1).r2()).isNaN();
    assertThat(of(new float[] {1}, new float[] {2}, 1).rootMeanSquaredError()).isEqualTo(1.0);
    assertThat(RegressionStats.empty(3).rootMeanSquaredError()).isNaN();
    assertThat(RegressionStats.combine(List.of(RegressionStats.empty(1), RegressionStats.empty(1))).rows()).isZero();
  }

  @Test
  void statisticsOfDifferentWidthsAreNotCombined() {
    assertThatThrownBy(() -> RegressionStats.combine(List.of(RegressionStats.empty(1), RegressionStats.empty(2))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 and 2 outputs");
    assertThatThrownBy(() -> RegressionStats.empty(0)).hasMessageContaining("width must be >= 1, got 0");
  }
}
