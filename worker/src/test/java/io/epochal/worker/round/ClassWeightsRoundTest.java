package io.epochal.worker.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.loss.LossConfig;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Rounds and held-out evaluation of a loss with class weights ({@code loss.class_weights}). */
class ClassWeightsRoundTest {

  private static final double[] WEIGHTS = {3, 1, 0.5};

  private static TrainingConfig config(int batch, double... weights) {
    return RoundFixtures.builder("sgd", HyperParameters.builder().put("lr", 0.1).build(), 0.0, batch, 1, 0, 1)
        .setLoss(LossConfig.builder().setName("softmax_cross_entropy").optClassWeights(weights).build())
        .build();
  }

  @Test
  void aFullBatchStepWithAClassWeightedThreeTimesStepsAsItsRowsTakenThreeTimes() {
    DataShard shard = RoundFixtures.shard(0, 60, 11);
    // the same rows, each of class 0 three times and each of class 2 once where the weights keep half of it: with
    // weights (3, 1, 0.5) against (6, 2, 1) scaled by 1/2, the weighted mean is the plain mean of the copies
    int copies = 0;
    for (float label : shard.labels()) {
      copies += label == 0 ? 6 : label == 1 ? 2 : 1;
    }
    int features = RoundFixtures.FEATURES;
    float[] x = new float[copies * features];
    float[] y = new float[copies];
    int at = 0;
    for (int i = 0; i < shard.rows(); i++) {
      float label = shard.labels()[i];
      for (int k = 0; k < (label == 0 ? 6 : label == 1 ? 2 : 1); k++) {
        System.arraycopy(shard.features(), i * features, x, at * features, features);
        y[at++] = label;
      }
    }
    DataShard repeated = new DataShard(0, copies, new long[] {features}, 1, x, y);
    TrainingConfig weighted = config(shard.rows(), WEIGHTS);
    StateDict start = RoundFixtures.initialState(weighted);

    StateDict byWeights = LocalRound.run(weighted, start, shard, 0, 0, 0).state();
    StateDict byCopies = LocalRound.run(config(copies), start, repeated, 0, 0, 0).state();
    StateDict unweighted = LocalRound.run(config(shard.rows()), start, shard, 0, 0, 0).state();

    double largestMove = 0;
    for (String name : LocalRound.modelPart(byWeights).names()) {
      float[] a = byWeights.get(name).toFloatArray();
      float[] b = byCopies.get(name).toFloatArray();
      float[] plain = unweighted.get(name).toFloatArray();
      for (int i = 0; i < a.length; i++) {
        assertThat(a[i]).as("%s[%s]", name, i).isCloseTo(b[i], within(2e-7f + 1e-6f * Math.abs(b[i])));
        largestMove = Math.max(largestMove, Math.abs(a[i] - plain[i]));
      }
    }
    assertThat(largestMove).as("the weights change the step").isGreaterThan(1e-4);
  }

  /** torch's CrossEntropyLoss(weight) of every row of {@code held} as one batch, in doubles. */
  private static double weightedLoss(TrainingConfig config, StateDict state, DataShard held, double[] weights) {
    try (EpochalModel model = ModelRegistry.getDefault().create("mlp", 1, config.modelParams());
        NDManager m = NDManager.newBaseManager()) {
      model.loadStateDict(LocalRound.modelPart(state));
      NDArray x = m.create(held.features(), new Shape(held.rows(), RoundFixtures.FEATURES));
      float[] logits = model.forward(x, false, null).toFloatArray();
      int k = RoundFixtures.CLASSES;
      double sum = 0;
      double weightSum = 0;
      for (int i = 0; i < held.rows(); i++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < k; c++) {
          max = Math.max(max, logits[i * k + c]);
        }
        double exp = 0;
        for (int c = 0; c < k; c++) {
          exp += Math.exp(logits[i * k + c] - max);
        }
        int label = (int) held.labels()[i];
        sum += weights[label] * (max + Math.log(exp) - logits[i * k + label]);
        weightSum += weights[label];
      }
      return sum / weightSum;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void theHeldOutLossIsTheWeightedMeanOfAllRowsInAnyBatchesAndShards() {
    StateDict state = RoundFixtures.initialState(config(16, WEIGHTS));
    DataShard train = RoundFixtures.shard(0, 128, 5);
    for (int r = 0; r < 4; r++) {
      state = LocalRound.run(config(16, WEIGHTS), state, train, 0, r, r).state();
    }
    DataShard held = RoundFixtures.shard(0, 100, 99);
    double expected = weightedLoss(config(16, WEIGHTS), state, held, WEIGHTS);

    EvaluationResult inBatchesOf16 = LocalEvaluation.run(config(16, WEIGHTS), state, held);
    EvaluationResult inOneBatch = LocalEvaluation.run(config(100, WEIGHTS), state, held);
    assertThat(inBatchesOf16.meanLoss()).isCloseTo(expected, within(1e-6 * expected));
    assertThat(inOneBatch.meanLoss()).isCloseTo(expected, within(1e-6 * expected));
    double labelWeights = 0;
    for (float label : held.labels()) {
      labelWeights += WEIGHTS[(int) label];
    }
    assertThat(inBatchesOf16.lossWeight()).isEqualTo(labelWeights);
    assertThat(inBatchesOf16.rows()).isEqualTo(100);

    // two workers' shards of the same rows: combined, the mean over all of them
    DataShard first = RoundFixtures.shard(0, 40, 99);
    DataShard second = new DataShard(1, 60, new long[] {RoundFixtures.FEATURES}, 1,
        java.util.Arrays.copyOfRange(held.features(), 40 * RoundFixtures.FEATURES, 100 * RoundFixtures.FEATURES),
        java.util.Arrays.copyOfRange(held.labels(), 40, 100));
    assertThat(first.labels()).containsExactly(java.util.Arrays.copyOf(held.labels(), 40));
    EvaluationResult both = EvaluationResult.combine(List.of(LocalEvaluation.run(config(16, WEIGHTS), state, second),
        LocalEvaluation.run(config(16, WEIGHTS), state, first)));
    assertThat(both.meanLoss()).isCloseTo(expected, within(1e-6 * expected));
    assertThat(both.lossWeight()).isEqualTo(labelWeights);

    // without weights the mean is over rows, and differs
    EvaluationResult plain = LocalEvaluation.run(config(16), state, held);
    assertThat(plain.lossWeight()).isEqualTo(100.0);
    assertThat(plain.meanLoss()).isNotCloseTo(expected, within(1e-3 * expected));
  }

  @Test
  void aShardCountsItsRowsPerClassAndNamesALabelThatIsNoClassIndex() {
    DataShard shard = new DataShard(1, 5, new long[] {1}, 1, new float[5], new float[] {2f, 0f, 2f, 2f, 1f});
    assertThat(shard.classCounts(3)).containsExactly(1, 1, 3);
    assertThat(shard.classCounts(4)).containsExactly(1, 1, 3, 0);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> shard.classCounts(2))
        .hasMessageContaining("row 0 of worker 1's shard has label 2.0, not a class index in [0, 2)");
  }

  @Test
  void classWeightsTravelInTheRoundsConfig() {
    TrainingConfig weighted = config(16, WEIGHTS);
    assertThat(weighted).isNotEqualTo(config(16)).isEqualTo(config(16, WEIGHTS));
    assertThat(weighted.lossConfig().classWeights()).containsExactly(WEIGHTS);
    assertThat(weighted.toString()).contains("loss softmax_cross_entropy, classWeights [3.0, 1.0, 0.5]");
  }
}
