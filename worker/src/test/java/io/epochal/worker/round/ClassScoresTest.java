package io.epochal.worker.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** One class against the rest: each class's rows ranked by its probability, the areas and precisions averaged. */
class ClassScoresTest {

  private static final int ROWS = 300;

  /** Logits on a coarse grid, so that many rows tie; labels in [0, labelled). */
  private static float[][] data(int classes, int labelled, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] logits = new float[ROWS * classes];
    float[] labels = new float[ROWS];
    for (int i = 0; i < ROWS; i++) {
      labels[i] = r.nextInt(labelled);
      for (int c = 0; c < classes; c++) {
        logits[i * classes + c] = r.nextInt(4) + (c == labels[i] ? 1 : 0);
      }
    }
    return new float[][] {logits, labels};
  }

  /** Each row's softmax probability of class {@code c}, in double, rounded to float. */
  private static float[] probabilities(float[] logits, int classes, int c) {
    float[] p = new float[logits.length / classes];
    for (int i = 0; i < p.length; i++) {
      double sum = 0;
      for (int j = 0; j < classes; j++) {
        sum += Math.exp(logits[i * classes + j]);
      }
      p[i] = (float) (Math.exp(logits[i * classes + c]) / sum);
    }
    return p;
  }

  /** The macro average by definition: each class with rows against the rest, pair by pair. */
  private static double[] byDefinition(float[] logits, float[] labels, int classes) {
    double area = 0;
    double precision = 0;
    int measured = 0;
    for (int c = 0; c < classes; c++) {
      float[] binary = new float[labels.length];
      boolean any = false;
      for (int i = 0; i < labels.length; i++) {
        binary[i] = labels[i] == c ? 1 : 0;
        any |= labels[i] == c;
      }
      if (any) {
        float[] p = probabilities(logits, classes, c);
        area += BinaryScoresTest.pairwise(binary, p);
        precision += BinaryScoresTest.precisionSum(binary, p);
        measured++;
      }
    }
    return new double[] {area / measured, precision / measured};
  }

  private static ClassScores collect(float[] logits, float[] labels, int classes, int from, int to) {
    int[] order = new int[labels.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    float[] batch = java.util.Arrays.copyOfRange(logits, from * classes, to * classes);
    return ClassScores.collector(to - from, classes).add(batch, labels, order, from, to).build();
  }

  @Test
  void eachClassAgainstTheRestGivesTheAreaAndPrecisionOfItsPairsAveragedOverTheClasses() {
    float[][] d = data(4, 4, 11);
    double[] expected = byDefinition(d[0], d[1], 4);
    ClassScores all = collect(d[0], d[1], 4, 0, ROWS);
    assertThat(all.macroAreaUnderRoc().getAsDouble()).isCloseTo(expected[0], within(1e-15)).isBetween(0.6, 0.99);
    assertThat(all.macroAveragePrecision().getAsDouble()).isCloseTo(expected[1], within(1e-12));
    ClassScores shards = ClassScores.combine(List.of(collect(d[0], d[1], 4, 200, ROWS), collect(d[0], d[1], 4, 0, 70),
        collect(d[0], d[1], 4, 70, 200)));
    assertThat(shards).as("shards in any order are all rows at once").isEqualTo(all);
    assertThat(shards.ofClass(2).positives() + shards.ofClass(2).negatives()).isEqualTo(ROWS);
  }

  @Test
  void aClassNoRowIsLabelledWithIsLeftOutAndOneClassAloneGivesNone() {
    float[][] d = data(5, 3, 12); // five outputs, rows of classes 0 to 2 only
    double[] expected = byDefinition(d[0], d[1], 5);
    ClassScores scores = collect(d[0], d[1], 5, 0, ROWS);
    assertThat(scores.macroAreaUnderRoc().getAsDouble()).isCloseTo(expected[0], within(1e-15));
    assertThat(scores.macroAveragePrecision().getAsDouble()).isCloseTo(expected[1], within(1e-12));
    float[][] one = data(3, 1, 13);
    assertThat(collect(one[0], one[1], 3, 0, ROWS).macroAreaUnderRoc()).isEmpty();
    assertThat(collect(one[0], one[1], 3, 0, ROWS).macroAveragePrecision()).isEmpty();
    float[] nan = d[0].clone();
    nan[7] = Float.NaN;
    assertThat(collect(nan, d[1], 5, 0, ROWS).macroAreaUnderRoc()).isEmpty();
  }

  @Test
  void logitsNotOnePerClassALabelThatIsNoClassAndTooManyClassesAreRefused() {
    int[] order = {0, 1};
    assertThatThrownBy(() -> ClassScores.collector(2, 3).add(new float[5], new float[2], order, 0, 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("5 logits for 2 rows of 3 classes");
    assertThatThrownBy(() -> ClassScores.collector(2, 3).add(new float[6], new float[] {0, 3}, order, 0, 2))
        .hasMessage("a label must be a class index in [0, 3), got 3.0 in row 1");
    assertThatThrownBy(() -> ClassScores.collector(2, ClassScores.MAX_CLASSES + 1))
        .hasMessageContaining("class scores are for 3 to 100 classes");
    assertThatThrownBy(() -> ClassScores.collector(2, 3).add(new float[9], new float[3], new int[] {0, 1, 2}, 0, 3))
        .hasMessageContaining("more than the 2 rows");
  }
}
