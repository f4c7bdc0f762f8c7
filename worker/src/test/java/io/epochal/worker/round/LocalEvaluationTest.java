package io.epochal.worker.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.optim.Optimizers;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class LocalEvaluationTest {

  /** The state after a few rounds of learning the argmax shard, so accuracy is neither 0 nor 1. */
  private static StateDict trained(TrainingConfig config) {
    StateDict state = RoundFixtures.initialState(config);
    DataShard train = RoundFixtures.shard(0, 256, 5);
    for (int r = 0; r < 3; r++) {
      state = LocalRound.run(config, state, train, 0, r, r * 4L).state();
    }
    return state;
  }

  @Test
  void lossAndAccuracyAreThoseOfTheModelsOwnOutputOnEveryRowWithDropoutOff() throws Exception {
    // dropout 0.5: a forward in training mode, even one seeded alike on every evaluation, gives other numbers
    TrainingConfig config = RoundFixtures.adam(0.5, 16, 4);
    StateDict state = trained(config);
    DataShard held = RoundFixtures.shard(0, 100, 99); // 100 rows: 6 full batches and one of 4

    EvaluationResult result = LocalEvaluation.run(config, state, held);

    // the same model, built afresh, on all rows at once; cross-entropy and argmax computed here
    double lossSum = 0;
    long correct = 0;
    try (EpochalModel model = ModelRegistry.getDefault().create("mlp", 1, config.modelParams());
        NDManager m = NDManager.newBaseManager()) {
      model.loadStateDict(LocalRound.modelPart(state));
      NDArray x = m.create(held.features(), new Shape(held.rows(), RoundFixtures.FEATURES));
      float[] logits = model.forward(x, false, null).toFloatArray();
      int k = RoundFixtures.CLASSES;
      for (int i = 0; i < held.rows(); i++) {
        double max = Double.NEGATIVE_INFINITY;
        int best = 0;
        for (int c = 0; c < k; c++) {
          max = Math.max(max, logits[i * k + c]);
          best = logits[i * k + c] > logits[i * k + best] ? c : best;
        }
        double sum = 0;
        for (int c = 0; c < k; c++) {
          sum += Math.exp(logits[i * k + c] - max);
        }
        int label = (int) held.labels()[i];
        lossSum += max + Math.log(sum) - logits[i * k + label];
        correct += best == label ? 1 : 0;
      }
    }
    assertThat(result.rows()).isEqualTo(100);
    assertThat(result.lossSum()).isCloseTo(lossSum, within(1e-4 * lossSum));
    assertThat(result.correct()).isEqualTo(correct);
    assertThat(result.accuracy()).isBetween(0.2, 0.99);
    assertThat(result.meanLoss()).isCloseTo(lossSum / 100, within(1e-6 * lossSum));
    ClassCounts counts = result.classCounts().orElseThrow();
    long right = 0;
    for (int k = 0; k < RoundFixtures.CLASSES; k++) {
      right += counts.right(k);
    }
    assertThat(right).as("the rows counted right per class").isEqualTo(correct);
    assertThat(result.macroF1()).isBetween(0.1, 0.99);
  }

  @Test
  void aTwoClassModelsAreaUnderTheRocCurveRanksItsRowsByTheirClassOneProbability() throws Exception {
    HyperParameters params = ModelRegistry.getDefault().resolve("mlp", 1, HyperParameters.builder()
        .put("input_dim", (long) RoundFixtures.FEATURES).put("hidden", List.of(16L)).put("output_dim", 2L).build());
    TrainingConfig config = RoundFixtures.builder("adam", HyperParameters.builder().put("lr", 0.01).build(), 0.0, 16,
        4, 0, 1).setModel("mlp", 1, params).build();
    StateDict state = RoundFixtures.initialState(config);
    DataShard train = RoundFixtures.argmaxShard(0, 256, RoundFixtures.FEATURES, 2, 5);
    state = LocalRound.run(config, state, train, 0, 0, 0).state(); // a little trained: neither 0.5 nor 1
    DataShard held = RoundFixtures.argmaxShard(0, 100, RoundFixtures.FEATURES, 2, 99);

    EvaluationResult result = LocalEvaluation.run(config, state, held);

    // the model built afresh on all rows at once; softmax's class-1 probability in double; every pair counted
    double[] p1 = new double[held.rows()];
    try (EpochalModel model = ModelRegistry.getDefault().create("mlp", 1, config.modelParams());
        NDManager m = NDManager.newBaseManager()) {
      model.loadStateDict(LocalRound.modelPart(state));
      float[] logits = model.forward(m.create(held.features(), new Shape(held.rows(), RoundFixtures.FEATURES)), false,
          null).toFloatArray();
      for (int i = 0; i < held.rows(); i++) {
        p1[i] = 1 / (1 + Math.exp((double) logits[2 * i] - logits[2 * i + 1]));
      }
    }
    double won = 0;
    long pairs = 0;
    for (int i = 0; i < held.rows(); i++) {
      for (int j = 0; j < held.rows(); j++) {
        if (held.labels()[i] == 1 && held.labels()[j] == 0) {
          pairs++;
          won += p1[i] > p1[j] ? 1 : p1[i] == p1[j] ? 0.5 : 0;
        }
      }
    }
    assertThat(result.areaUnderRoc()).isEqualTo(won / pairs).isBetween(0.6, 0.9999);
    assertThat(result.binaryScores()).hasValueSatisfying(s -> assertThat(s.positives() + s.negatives())
        .isEqualTo(100));
    EvaluationResult three = LocalEvaluation.run(RoundFixtures.adam(0.0, 16, 4),
        trained(RoundFixtures.adam(0.0, 16, 4)), RoundFixtures.shard(0, 50, 3));
    assertThat(three.binaryScores()).as("three classes").isEmpty();
    assertThat(three.classScores()).hasValueSatisfying(s -> assertThat(s.classes()).isEqualTo(3));
    assertThat(three.areaUnderRoc()).as("one class against the rest").isBetween(0.0, 1.0);
  }

  @Test
  void evaluationChangesNoStateSoTheNextRoundIsBitIdenticalAndEvaluationRepeatsExactly() throws Exception {
    TrainingConfig config = RoundFixtures.adam(0.5, 16, 2); // dropout: evaluation mode must not draw it
    StateDict state = trained(config);
    DataShard train = RoundFixtures.shard(1, 64, 3);
    DataShard held = RoundFixtures.shard(1, 40, 4);
    ExecutorService plain = Executors.newSingleThreadExecutor();
    ExecutorService evaluating = Executors.newSingleThreadExecutor();
    try {
      RoundResult expected = plain.submit(() -> LocalRound.run(config, state, train, 1, 0, 12)).get();
      EvaluationResult first = evaluating.submit(() -> LocalEvaluation.run(config, state, held)).get();
      RoundResult after = evaluating.submit(() -> LocalRound.run(config, state, train, 1, 0, 12)).get();
      EvaluationResult again = evaluating.submit(() -> LocalEvaluation.run(config, state, held)).get();
      assertThat(after).isEqualTo(expected);
      assertThat(again).isEqualTo(first);
      assertThat(first.worker()).isEqualTo(1);
    } finally {
      plain.shutdownNow();
      evaluating.shutdownNow();
    }
  }

  @Test
  void aModelWithBatchNormIsEvaluatedOnItsRunningStatisticsAndKeepsThem() throws Exception {
    // in training mode BatchNorm normalises by the batch's own statistics and updates its running ones
    HyperParameters cnn = ModelRegistry.getDefault().resolve("cnn", 1, HyperParameters.builder()
        .put("image_size", 8).put("in_channels", 3).put("channels", 2).put("classes", 4).build());
    TrainingConfig config = RoundFixtures.builder("sgd", HyperParameters.builder().put("lr", 0.05).build(), 0.0, 8,
        1, 0, 1).setModel("cnn", 1, cnn).build();
    DataShard train = RoundFixtures.argmaxShard(0, 16, 3 * 8 * 8, 4, 13);
    StateDict state = LocalRound.run(config, RoundFixtures.initialState(config), train, 0, 0, 0).state();
    state = LocalRound.run(config, state, train, 0, 1, 1).state();
    DataShard held = RoundFixtures.argmaxShard(0, 20, 3 * 8 * 8, 4, 17); // 2 full batches and one of 4

    RoundResult expected = LocalRound.run(config, state, train, 0, 2, 2);
    EvaluationResult first = LocalEvaluation.run(config, state, held);
    RoundResult after = LocalRound.run(config, state, train, 0, 2, 2);
    EvaluationResult again = LocalEvaluation.run(config, state, held);

    double lossSum = 0;
    try (EpochalModel model = ModelRegistry.getDefault().create("cnn", 1, cnn);
        NDManager m = NDManager.newBaseManager()) {
      model.loadStateDict(LocalRound.modelPart(state));
      NDArray x = m.create(held.features(), new Shape(held.rows(), 3, 8, 8));
      float[] logits = model.forward(x, false, null).toFloatArray();
      for (int i = 0; i < held.rows(); i++) {
        double max = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < 4; c++) {
          max = Math.max(max, logits[i * 4 + c]);
        }
        double sum = 0;
        for (int c = 0; c < 4; c++) {
          sum += Math.exp(logits[i * 4 + c] - max);
        }
        lossSum += max + Math.log(sum) - logits[i * 4 + (int) held.labels()[i]];
      }
    }
    assertThat(first.lossSum()).as("the running statistics' loss").isCloseTo(lossSum, within(1e-4 * lossSum));
    assertThat(again).isEqualTo(first);
    assertThat(after).as("the running statistics the next round starts from").isEqualTo(expected);
  }

  @Test
  void aRegressionLossCountsNoCorrectPredictions() {
    HyperParameters params = ModelRegistry.getDefault().resolve("mlp", 1, HyperParameters.builder()
        .put("input_dim", 2L).put("hidden", List.of(4L)).put("output_dim", 1L).build());
    TrainingConfig config = TrainingConfig.builder().setModel("mlp", 1, params)
        .setOptimizer("sgd", Optimizers.params("sgd").resolve(HyperParameters.builder().put("lr", 0.1).build()))
        .setLoss("mse").setBatchSize(3).setSeed(1).build();
    DataShard held = new DataShard(0, 5, new long[] {2}, 1, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
        new float[] {1, 2, 3, 4, 5});

    EvaluationResult result = LocalEvaluation.run(config, RoundFixtures.initialState(config), held);
    RoundResult round = LocalRound.run(config, RoundFixtures.initialState(config), held, 0, 0, 0);

    assertThat(round.counted()).as("a regression round counts no correct predictions either").isFalse();
    assertThat(result.rows()).isEqualTo(5);
    assertThat(result.counted()).isFalse();
    assertThat(result.accuracy()).isNaN();
    assertThat(result.lossSum()).isPositive();
  }

  /** An MLP 2-4-1 (no dropout) trained by SGD at {@code lr}, seed 1; batch size and loss to be set. */
  private static TrainingConfig.Builder regression(double lr) {
    HyperParameters params = ModelRegistry.getDefault().resolve("mlp", 1, HyperParameters.builder()
        .put("input_dim", 2L).put("hidden", List.of(4L)).put("output_dim", 1L).build());
    return TrainingConfig.builder().setModel("mlp", 1, params)
        .setOptimizer("sgd", Optimizers.params("sgd").resolve(HyperParameters.builder().put("lr", lr).build()))
        .setSeed(1);
  }

  /** Five rows of two features whose labels are 1 to 5 (a variance of 2). */
  private static DataShard fiveRegressionRows() {
    return new DataShard(0, 5, new long[] {2}, 1, new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
        new float[] {1, 2, 3, 4, 5});
  }

  @Test
  void aRegressionMeasuresItsMeanAbsoluteErrorWhichIsItsL1Loss() {
    DataShard held = fiveRegressionRows();
    TrainingConfig.Builder b = regression(0.1).setBatchSize(3);
    TrainingConfig mse = b.setLoss("mse").build();
    StateDict state = RoundFixtures.initialState(mse);
    EvaluationResult squared = LocalEvaluation.run(mse, state, held);
    EvaluationResult absolute = LocalEvaluation.run(b.setLoss("l1").build(), state, held);
    assertThat(squared.measuredError()).isTrue();
    // the same outputs: the same absolute errors, whatever the loss; l1's loss is their mean (in float32 per batch)
    assertThat(squared.meanAbsoluteError()).isEqualTo(absolute.meanAbsoluteError());
    assertThat(absolute.meanAbsoluteError()).isCloseTo(absolute.meanLoss(), within(1e-6 * absolute.meanLoss()));
    assertThat(squared.meanAbsoluteError()).isNotCloseTo(squared.meanLoss(), within(1e-3));
    // mse's loss is the mean squared error (in float32 per batch); R2 compares it with the labels' variance (2)
    assertThat(squared.rootMeanSquaredError()).isEqualTo(absolute.rootMeanSquaredError())
        .isCloseTo(Math.sqrt(squared.meanLoss()), within(1e-6 * Math.sqrt(squared.meanLoss())));
    assertThat(squared.r2()).isCloseTo(1 - squared.meanLoss() / 2.0, within(1e-6 * Math.abs(squared.r2())));
    assertThat(squared.regressionStats().get().rows()).isEqualTo(5);
    assertThat(LocalEvaluation.run(RoundFixtures.adam(0.0, 16, 1), RoundFixtures.initialState(
        RoundFixtures.adam(0.0, 16, 1)), RoundFixtures.shard(0, 32, 5)).measuredError()).as("classification").isFalse();
  }

  @Test
  void theAbsoluteErrorOfARowIsItsMeanOverItsOutputsInTheRowsOrder() {
    float[] outputs = {1, 2, /* row 1 */ 0, -1};
    float[] labels = {0, 0, /* row 1 */ 3, 5, /* row 2 */ 1.5f, 2};
    // the batch holds rows 2 and 0: |1 - 1.5| and |2 - 2| averaged, then |0 - 0| and |-1 - 0| averaged
    assertThat(LocalEvaluation.absoluteErrors(outputs, labels, 2, new int[] {2, 0}, 0, 2)).isEqualTo(0.25 + 0.5);
    assertThat(LocalEvaluation.absoluteErrors(outputs, labels, 2, new int[] {0, 1}, 0, 2)).isEqualTo(1.5 + 4.5);
  }

  @Test
  void aRoundCountsTheSamplesItsOutputPredictsRightBeforeTheStepTheyTrain() {
    TrainingConfig config = RoundFixtures.adam(0.0, 64, 1); // no dropout: training mode computes evaluation's output
    StateDict state = trained(RoundFixtures.adam(0.0, 16, 4));
    DataShard shard = RoundFixtures.shard(0, 64, 7); // one step on all 64 rows, in the epoch's shuffled order

    long before = LocalEvaluation.run(config, state, shard).correct();
    RoundResult round = LocalRound.run(config, state, shard, 1, 0, 12);
    long after = LocalEvaluation.run(config, round.state(), shard).correct();

    assertThat(round.correct()).isEqualTo(before).isPositive();
    assertThat(round.samples()).isEqualTo(64);
    assertThat(after).as("the step changed the predictions the round counted").isNotEqualTo(before);
  }

  @Test
  void aRegressionRoundMeasuresTheAbsoluteErrorsOfItsOutputsBeforeTheStepTheyTrain() {
    DataShard shard = fiveRegressionRows();
    TrainingConfig config = regression(0.01).setBatchSize(8).setLoss("l1").build(); // one step on all 5 rows
    StateDict state = RoundFixtures.initialState(config);

    EvaluationResult before = LocalEvaluation.run(config, state, shard);
    RoundResult round = LocalRound.run(config, state, shard, 0, 0, 0);
    EvaluationResult after = LocalEvaluation.run(config, round.state(), shard);

    assertThat(round.measuredError()).isTrue();
    // the same outputs, summed in the round's shuffled order: equal to the last bits of a double sum
    assertThat(round.absErrorSum()).isCloseTo(before.meanAbsoluteError() * 5, within(1e-12 * round.absErrorSum()));
    assertThat(round.absErrorSum() / 5).as("l1's loss is the mean absolute error")
        .isCloseTo(round.lossSum() / 5, within(1e-6 * round.absErrorSum()));
    assertThat(after.meanAbsoluteError()).as("the step changed the outputs the round measured")
        .isNotEqualTo(before.meanAbsoluteError());
    TrainingConfig adam = RoundFixtures.adam(0.0, 64, 1);
    assertThat(LocalRound.run(adam, RoundFixtures.initialState(adam), RoundFixtures.shard(0, 64, 7), 0, 0, 0)
        .measuredError()).as("classification").isFalse();
  }

  @Test
  void theCountFollowsTheRowsOrderNotTheirPositions() {
    float[] logits = {0, 1, 1, 0}; // two rows: class 1, then class 0
    float[] labels = {0, 9, 1};
    assertThat(LocalEvaluation.correct(logits, labels, new int[] {2, 0}, 0, 2)).isEqualTo(2);
    assertThat(LocalEvaluation.correct(logits, labels, new int[] {0, 2}, 0, 2)).isZero();
  }

  @Test
  void anEmptyShardGivesNoRowsAndNoLoss() {
    TrainingConfig config = RoundFixtures.adam(0.0, 16, 1);
    DataShard empty = new DataShard(2, 0, new long[] {RoundFixtures.FEATURES}, 1, new float[0], new float[0]);

    EvaluationResult result = LocalEvaluation.run(config, RoundFixtures.initialState(config), empty);

    assertThat(result).isEqualTo(new EvaluationResult(2, 0, 0.0, 0));
    assertThat(result.meanLoss()).isNaN();
  }

  @Test
  void theFirstOfEqualLargestOutputsIsThePrediction() {
    float[] logits = {1, 1, 0, /* row 1 */ 0, 2, 2};
    assertThat(LocalEvaluation.correct(logits, new float[] {9, 0, 1}, new int[] {0, 1, 2}, 1, 3)).isEqualTo(2);
    assertThat(LocalEvaluation.correct(logits, new float[] {9, 1, 2}, new int[] {0, 1, 2}, 1, 3)).isEqualTo(0);
  }

  @Test
  void combiningAddsTheShardsInWorkerOrderWhateverOrderTheyArrive() {
    EvaluationResult a = new EvaluationResult(0, 10, 0.1, 7);
    EvaluationResult b = new EvaluationResult(1, 20, 1e17, 15);
    EvaluationResult c = new EvaluationResult(2, 5, -1e17, 5);

    EvaluationResult ordered = EvaluationResult.combine(List.of(a, b, c));

    assertThat(EvaluationResult.combine(List.of(c, a, b))).isEqualTo(ordered);
    assertThat(ordered.rows()).isEqualTo(35);
    assertThat(ordered.correct()).isEqualTo(27);
    assertThat(ordered.lossSum()).isEqualTo((0.1 + 1e17) + -1e17);
    assertThatThrownBy(() -> EvaluationResult.combine(List.of(a, new EvaluationResult(1, 3, 1.0,
        EvaluationResult.NOT_COUNTED)))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("worker 1 does not count");
    assertThatThrownBy(() -> new EvaluationResult(0, 3, 1.0, 4)).hasMessageContaining("correct must be");
  }
}
