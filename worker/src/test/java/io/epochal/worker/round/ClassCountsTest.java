package io.epochal.worker.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class ClassCountsTest {

  private static final int[] IN_ORDER = {0, 1, 2, 3, 4, 5};

  @Test
  void theMacroF1IsScikitLearnsForItsDocumentedExample() {
    // sklearn.metrics.f1_score([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1], average="macro") == 0.26666666666666666
    ClassCounts counts = ClassCounts.collector(3)
        .add(new int[] {0, 2, 1, 0, 0, 1}, new float[] {0, 1, 2, 0, 1, 2}, IN_ORDER, 0, 6).build();

    assertThat(counts.macroF1().getAsDouble()).isCloseTo(0.26666666666666666, within(1e-16));
    assertThat(counts.predicted(0)).isEqualTo(3);
    assertThat(counts.labelled(0)).isEqualTo(2);
    assertThat(counts.right(0)).isEqualTo(2);
  }

  @Test
  void theBalancedAccuracyIsScikitLearnsMeanRecallOverTheClassesOfTheLabels() {
    // sklearn.metrics.balanced_accuracy_score([0, 1, 2, 0, 1, 2], [0, 2, 1, 0, 0, 1]) == 0.3333333333333333
    ClassCounts counts = ClassCounts.collector(3)
        .add(new int[] {0, 2, 1, 0, 0, 1}, new float[] {0, 1, 2, 0, 1, 2}, IN_ORDER, 0, 6).build();
    assertThat(counts.balancedAccuracy().getAsDouble()).isCloseTo(0.3333333333333333, within(1e-16));
    // balanced_accuracy_score([0, 0, 0, 0, 1, 1, 3], [0, 0, 1, 2, 1, 0, 3]) == 0.6666666666666666: class 2, predicted
    // but labelled on no row, is left out (scikit-learn warns), as is class 4, which has neither
    ClassCounts imbalanced = ClassCounts.collector(5).add(new int[] {0, 0, 1, 2, 1, 0, 3},
        new float[] {0, 0, 0, 0, 1, 1, 3}, new int[] {0, 1, 2, 3, 4, 5, 6}, 0, 7).build();
    assertThat(imbalanced.balancedAccuracy().getAsDouble()).isCloseTo(0.6666666666666666, within(1e-16));
    assertThat((double) imbalanced.rightRows() / imbalanced.rows()).as("plain accuracy").isCloseTo(4.0 / 7,
        within(1e-16));
    assertThat(ClassCounts.collector(3).build().balancedAccuracy()).as("no rows").isEmpty();
  }

  @Test
  void aClassNoRowIsLabelledWithOrPredictedAsIsLeftOutOfTheAverage() {
    // classes 0 and 1 only, of a model of 4 outputs: F1 0 = 2/3 (tp 1, fp 0, fn 1), F1 1 = 2/3 (tp 1, fp 1, fn 0)
    ClassCounts counts = ClassCounts.collector(4)
        .add(new int[] {0, 1, 1}, new float[] {0, 0, 1}, IN_ORDER, 0, 3).build();

    assertThat(counts.macroF1()).hasValue(2.0 / 3);
    assertThat(ClassCounts.collector(4).build().macroF1()).as("no rows").isEmpty();
  }

  @Test
  void shardsCombineToTheCountsOfAllRowsAtOnceAndTheRowsOrderPicksTheLabels() {
    float[] labels = {2, 0, 1, 1, 2, 0};
    int[] predictions = {2, 1, 1, 0, 2, 0};
    ClassCounts all = ClassCounts.collector(3).add(predictions, labels, IN_ORDER, 0, 6).build();
    ClassCounts first = ClassCounts.collector(3).add(new int[] {2, 1}, labels, IN_ORDER, 0, 2).build();
    ClassCounts rest = ClassCounts.collector(3).add(new int[] {1, 0, 2, 0}, labels, IN_ORDER, 2, 6).build();
    // the batch holds rows 5, 4 in that order
    ClassCounts shuffled = ClassCounts.collector(3).add(new int[] {0, 2}, labels, new int[] {5, 4}, 0, 2).build();

    assertThat(ClassCounts.combine(List.of(first, rest))).isEqualTo(all);
    assertThat(ClassCounts.combine(List.of(rest, first))).isEqualTo(all);
    assertThat(shuffled.right(0) + shuffled.right(2)).isEqualTo(2);
  }

  @Test
  void aLabelThatIsNoClassIndexAndCountsOfOtherModelsAreRefused() {
    assertThatThrownBy(() -> ClassCounts.collector(3).add(new int[] {0}, new float[] {3}, IN_ORDER, 0, 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("label 3.0 of row 0 is no class index "
            + "of a model of 3 outputs");
    assertThatThrownBy(() -> ClassCounts.combine(List.of(ClassCounts.collector(3).build(),
        ClassCounts.collector(2).build()))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("of 3 and 2 classes");
  }
}
