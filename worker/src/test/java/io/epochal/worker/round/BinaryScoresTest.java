package io.epochal.worker.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BinaryScoresTest {

  /** Rows {@code 0..n)} in order. */
  private static int[] inOrder(int n) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    return order;
  }

  /** Two logits per row whose difference is the score: 0 for class 0, the score for class 1. */
  private static float[] logits(float... scores) {
    float[] logits = new float[2 * scores.length];
    for (int i = 0; i < scores.length; i++) {
      logits[2 * i + 1] = scores[i];
    }
    return logits;
  }

  private static BinaryScores scores(float[] labels, float... scores) {
    return BinaryScores.collector(labels.length).add(logits(scores), labels, inOrder(labels.length), 0, labels.length)
        .build();
  }

  /** The area by its definition: every (positive, negative) pair, a win 1, a tie one half. */
  static double pairwise(float[] labels, float[] scores) {
    double won = 0;
    long pairs = 0;
    for (int i = 0; i < labels.length; i++) {
      for (int j = 0; j < labels.length; j++) {
        if (labels[i] == 1 && labels[j] == 0) {
          pairs++;
          won += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0;
        }
      }
    }
    return won / pairs;
  }

  /**
   * The average precision by its definition: at every distinct score from the highest down, the rows at or above it
   * counted afresh, the recall it adds times the precision there.
   */
  static double precisionSum(float[] labels, float[] scores) {
    float[] distinct = new float[scores.length];
    System.arraycopy(scores, 0, distinct, 0, scores.length);
    java.util.Arrays.sort(distinct);
    double positives = 0;
    for (float l : labels) {
      positives += l;
    }
    double sum = 0;
    double recallBefore = 0;
    for (int k = distinct.length - 1; k >= 0; k--) {
      if (k < distinct.length - 1 && distinct[k] == distinct[k + 1]) {
        continue;
      }
      long tp = 0;
      long all = 0;
      for (int i = 0; i < labels.length; i++) {
        if (scores[i] >= distinct[k]) {
          all++;
          tp += (long) labels[i];
        }
      }
      double recall = tp / positives;
      sum += (recall - recallBefore) * tp / all;
      recallBefore = recall;
    }
    return sum;
  }

  @Test
  void theAreaIsScikitLearnsForItsDocumentedExample() {
    // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    BinaryScores s = scores(new float[] {0, 0, 1, 1}, 0.1f, 0.4f, 0.35f, 0.8f);

    assertThat(s.areaUnderRoc()).hasValue(0.75);
    // sklearn.metrics.average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.8333333333333333
    assertThat(s.averagePrecision().getAsDouble()).isCloseTo(0.8333333333333333, within(1e-16));
    assertThat(s.positives()).isEqualTo(2);
    assertThat(s.negatives()).isEqualTo(2);
  }

  @Test
  void aTieBetweenAPositiveAndANegativeCountsOneHalf() {
    // pairs (0.5, 0.5) tie, (0.5, 0.2) won, (0.9, *) won: 3.5 of 4
    assertThat(scores(new float[] {0, 1, 0, 1}, 0.5f, 0.5f, 0.2f, 0.9f).areaUnderRoc()).hasValue(0.875);
    assertThat(scores(new float[] {0, 1}, 0f, -0f).areaUnderRoc()).as("-0 ties 0").hasValue(0.5);
  }

  @Test
  void manyTiedScoresGiveTheAreaOfEveryPairAndShardsCombineToAllRowsAtOnce() {
    SplittableRandom rng = new SplittableRandom(5);
    int n = 997;
    float[] labels = new float[n];
    float[] scores = new float[n];
    for (int i = 0; i < n; i++) {
      labels[i] = rng.nextInt(3) == 0 ? 1 : 0;
      scores[i] = rng.nextInt(7) + labels[i] * rng.nextInt(3); // few distinct values: many ties
    }
    BinaryScores all = scores(labels, scores);
    List<BinaryScores> shards = new ArrayList<>();
    int[] order = inOrder(n);
    for (int start = 0; start < n; start += 250) {
      int end = Math.min(n, start + 250);
      BinaryScores.Collector c = BinaryScores.collector(end - start);
      for (int b = start; b < end; b += 16) { // batches of 16 rows
        int e = Math.min(end, b + 16);
        float[] batch = new float[e - b];
        System.arraycopy(scores, b, batch, 0, e - b);
        c.add(logits(batch), labels, order, b, e);
      }
      shards.add(c.build());
    }
    List<BinaryScores> reversed = new ArrayList<>(shards);
    java.util.Collections.reverse(reversed);

    assertThat(all.areaUnderRoc().getAsDouble()).isEqualTo(pairwise(labels, scores));
    assertThat(all.averagePrecision().getAsDouble()).isCloseTo(precisionSum(labels, scores), within(1e-15));
    assertThat(BinaryScores.combine(shards)).isEqualTo(all);
    assertThat(BinaryScores.combine(reversed)).isEqualTo(all);
  }

  @Test
  void rowsOfEqualScorePassAThresholdTogether() {
    // thresholds 0.9 (1 of 1 right: recall 1/2), then 0.5 (2 of 4: recall 2/2): 0.5 x 1 + 0.5 x 0.5
    BinaryScores s = scores(new float[] {1, 0, 1, 0, 0}, 0.9f, 0.5f, 0.5f, 0.5f, 0.1f);

    assertThat(s.averagePrecision()).hasValue(0.75);
  }

  @Test
  void theRowsOrderPicksEachRowsLabel() {
    float[] labels = {1, 0, 0};
    int[] order = {2, 0, 1}; // the batch holds rows 2, 0, 1
    BinaryScores s = BinaryScores.collector(3).add(logits(0.3f, 0.9f, 0.1f), labels, order, 0, 3).build();

    // row 0 (label 1) scored 0.9 above rows 2 (0.3) and 1 (0.1)
    assertThat(s.areaUnderRoc()).hasValue(1.0);
  }

  @Test
  void rowsOfOneLabelOnlyOrANaNScoreGiveNoArea() {
    assertThat(scores(new float[] {1, 1}, 0.1f, 0.2f).areaUnderRoc()).isEmpty();
    assertThat(scores(new float[] {0, 0}, 0.1f, 0.2f).areaUnderRoc()).isEmpty();
    assertThat(scores(new float[] {0, 1, 1}, 0.1f, Float.NaN, 0.3f).areaUnderRoc()).isEmpty();
    assertThat(BinaryScores.combine(List.of()).areaUnderRoc()).isEmpty();
    assertThat(scores(new float[] {1, 1}, 0.1f, 0.2f).averagePrecision()).isEmpty();
    assertThat(scores(new float[] {0, 1, 1}, 0.1f, Float.NaN, 0.3f).averagePrecision()).isEmpty();
  }

  @Test
  void aLabelThatIsNotZeroOrOneAndLogitsNotTwoPerRowAreRefused() {
    assertThatThrownBy(() -> scores(new float[] {0, 2}, 0.1f, 0.2f))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be 0 or 1, got 2.0 in row 1");
    assertThatThrownBy(() -> BinaryScores.collector(2).add(new float[6], new float[] {0, 1}, inOrder(2), 0, 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 logits per row, got 6 for 2 rows");
  }
}
