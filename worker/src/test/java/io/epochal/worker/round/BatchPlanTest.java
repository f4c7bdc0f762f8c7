package io.epochal.worker.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BatchPlanTest {

  @Test
  void roundsCoverEveryStepOfTheLargestShardOnce() {
    BatchPlan plan = new BatchPlan(10, 3);
    assertThat(plan.stepsPerEpoch(95)).isEqualTo(10);
    assertThat(plan.roundsPerEpoch(95)).isEqualTo(4);
    int total = IntStream.range(0, 4).map(r -> plan.stepsInRound(95, r)).sum();
    assertThat(total).isEqualTo(10);
    assertThat(plan.stepsInRound(95, 3)).isEqualTo(1);
    assertThat(plan.batchEnd(95, 9)).isEqualTo(95);
  }

  @Test
  void aSmallerShardRunsOutOfStepsBeforeTheLastRound() {
    BatchPlan plan = new BatchPlan(10, 3);
    assertThat(plan.stepsInRound(40, 1)).isEqualTo(1);
    assertThat(plan.stepsInRound(40, 2)).isZero();
  }

  @Test
  void anAccumulatingStepTakesItsBatchesInARowAndTheShardsBatchesStayThoseOfAPlanWithout() {
    BatchPlan plan = new BatchPlan(10, 3, 4);
    assertThat(plan.samplesPerStep()).isEqualTo(40);
    assertThat(plan.stepsPerEpoch(95)).isEqualTo(3);
    assertThat(plan.roundsPerEpoch(95)).isEqualTo(1);
    assertThat(plan.stepsInRound(95, 0)).isEqualTo(3);
    assertThat(plan.batchStart(2)).isEqualTo(80);
    assertThat(plan.batchEnd(95, 2)).isEqualTo(95);
    assertThat(plan.batchEnd(95, 1)).isEqualTo(80);
    assertThat(new BatchPlan(10, 2, 4).roundsPerEpoch(95)).isEqualTo(2);
  }

  @Test
  void aStepLargerThanAnIntCanCountIsRefusedNamingBothFactors() {
    assertThatThrownBy(() -> new BatchPlan(1 << 20, 1, 1 << 12)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("batch size 1048576 times 4096 batches accumulated per step");
  }

  @Test
  void permutationIsAPureFunctionOfSeedEpochAndWorker() {
    int[] a = BatchPlan.permutation(50, 1, 2, 3);
    assertThat(BatchPlan.permutation(50, 1, 2, 3)).containsExactly(a);
    assertThat(BatchPlan.permutation(50, 1, 3, 3)).isNotEqualTo(a);
    assertThat(BatchPlan.permutation(50, 1, 2, 4)).isNotEqualTo(a);
    assertThat(BatchPlan.permutation(50, 2, 2, 3)).as("another job seed").isNotEqualTo(a);
    int[] sorted = a.clone();
    Arrays.sort(sorted);
    assertThat(sorted).containsExactly(IntStream.range(0, 50).toArray());
  }

  @Test
  void derivedSeedsDependOnEveryPart() {
    long base = Seeds.derive(42, Seeds.ROUND, 1, 2, 3);
    assertThat(Seeds.derive(42, Seeds.ROUND, 1, 2, 3)).isEqualTo(base);
    assertThat(Seeds.derive(42, Seeds.ROUND, 2, 1, 3)).isNotEqualTo(base);
    assertThat(Seeds.derive(42, Seeds.ROUND, 2, 2, 3)).as("another epoch").isNotEqualTo(base);
    assertThat(Seeds.derive(42, Seeds.ROUND, 1, 3, 3)).as("another round").isNotEqualTo(base);
    assertThat(Seeds.derive(42, Seeds.ROUND, 1, 2, 4)).as("another worker").isNotEqualTo(base);
    assertThat(Seeds.derive(43, Seeds.ROUND, 1, 2, 3)).isNotEqualTo(base);
    assertThat(Seeds.derive(42, Seeds.SHUFFLE, 1, 2, 3)).isNotEqualTo(base);
  }
}
