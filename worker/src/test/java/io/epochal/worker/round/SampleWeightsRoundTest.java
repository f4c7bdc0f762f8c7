package io.epochal.worker.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Rounds on a shard whose rows carry sample weights ({@code data.weight}). */
class SampleWeightsRoundTest {

  private static final HyperParameters SGD = HyperParameters.builder().put("lr", 0.5).build();

  @Test
  void rowsOfWeightZeroDoNotPullTheModel() {
    DataShard all = RoundFixtures.shard(0, 32, 9);
    float[] weights = new float[32];
    Arrays.fill(weights, 0, 16, 1f); // the first 16 rows count, the others not at all
    DataShard weighted = withWeights(all, weights);
    DataShard first16 = new DataShard(0, 16, new long[] {all.featureSize()}, 1,
        Arrays.copyOf(all.features(), 16 * all.featureSize()), Arrays.copyOf(all.labels(), 16));
    TrainingConfig oneBatch = RoundFixtures.config("sgd", SGD, 0.0, 32, 1);
    StateDict start = RoundFixtures.initialState(oneBatch);

    StateDict withZeros = LocalRound.run(oneBatch, start, weighted, 0, 0, 0).state();
    StateDict without = LocalRound.run(oneBatch, start, first16, 0, 0, 0).state();
    StateDict unweighted = LocalRound.run(oneBatch, start, all, 0, 0, 0).state();

    assertThat(RoundFixtures.maxModelDifference(withZeros, without)).isLessThan(1e-6);
    assertThat(RoundFixtures.maxModelDifference(withZeros, unweighted)).as("the zero rows count without their weights")
        .isGreaterThan(1e-3);
  }

  @Test
  void anSgdStepOfAccumulatedWeightedBatchesEqualsOneStepOnTheirSamplesTogether() {
    DataShard shard = withWeights(RoundFixtures.shard(0, 32, 9), randomWeights(32, 5));
    TrainingConfig accumulated = RoundFixtures.config("sgd", SGD, 0.0, 8, 1, 0, 4);
    TrainingConfig whole = RoundFixtures.config("sgd", SGD, 0.0, 32, 1);
    StateDict start = RoundFixtures.initialState(whole);

    StateDict a = LocalRound.run(accumulated, start, shard, 0, 0, 0).state();
    StateDict w = LocalRound.run(whole, start, shard, 0, 0, 0).state();

    // batches shared by rows instead of by weight would be this far off
    assertThat(RoundFixtures.maxModelDifference(a, w)).isLessThan(1e-6);
    assertThat(RoundFixtures.maxModelDifference(w, start)).as("the step moved the weights").isGreaterThan(1e-3);
  }

  @Test
  void aShardRefusesAWeightThatIsNegativeOrNotFiniteNamingItsRow() {
    DataShard shard = RoundFixtures.shard(3, 4, 1);
    for (float bad : new float[] {-0.5f, Float.NaN, Float.POSITIVE_INFINITY}) {
      assertThatThrownBy(() -> withWeights(shard, new float[] {1f, 1f, bad, 1f}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("row 2 of worker 3's shard has weight " + bad + "; a sample weight is a finite number >= 0");
    }
    assertThatThrownBy(() -> withWeights(shard, new float[3])).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("shard of worker 3: 4 rows need 4 weights, got 3");
  }

  private static DataShard withWeights(DataShard s, float[] weights) {
    return new DataShard(s.worker(), s.rows(), s.featureShape(), s.labelWidth(), s.features(), s.labels(), weights);
  }

  private static float[] randomWeights(int rows, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] w = new float[rows];
    for (int i = 0; i < rows; i++) {
      w[i] = (float) (rng.nextDouble() * 4);
    }
    return w;
  }
}
