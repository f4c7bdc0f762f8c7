package io.epochal.worker.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

/**
 * {@code train.accumulate_grad_batches}: an optimizer step that sums the gradients of several batches
 * steps as one batch of all their samples would.
 */
class GradientAccumulationTest {

  private static final HyperParameters SGD = HyperParameters.builder().put("lr", 0.5).build();

  @Test
  void anSgdStepOfFourAccumulatedBatchesEqualsOneStepOnTheirSamplesTogether() {
    DataShard shard = RoundFixtures.shard(0, 32, 9);
    TrainingConfig accumulated = RoundFixtures.config("sgd", SGD, 0.0, 8, 1, 0, 4);
    TrainingConfig whole = RoundFixtures.config("sgd", SGD, 0.0, 32, 1);
    StateDict start = RoundFixtures.initialState(whole);

    RoundResult a = LocalRound.run(accumulated, start, shard, 0, 0, 0);
    RoundResult w = LocalRound.run(whole, start, shard, 0, 0, 0);

    assertThat(a.steps()).isEqualTo(1);
    assertThat(a.samples()).isEqualTo(32);
    assertClose(a.state(), w.state(), start);
    assertThat(a.lossSum()).as("the samples' loss, batch by batch").isCloseTo(w.lossSum(), within(1e-4));
    // four steps of eight samples each are not the same training
    StateDict fourSteps = LocalRound.run(RoundFixtures.config("sgd", SGD, 0.0, 8, 4), start, shard, 0, 0, 0).state();
    assertThat(RoundFixtures.maxModelDifference(fourSteps, w.state())).isGreaterThan(1e-3);
  }

  @Test
  void aShortLastBatchWeighsByItsSamplesNotByOneInFour() {
    // 20 rows in batches of 8: 8, 8 and 4 samples; one step over all 20, as a batch of 20 would take it
    DataShard shard = RoundFixtures.shard(0, 20, 5);
    TrainingConfig accumulated = RoundFixtures.config("sgd", SGD, 0.0, 8, 1, 0, 4);
    TrainingConfig whole = RoundFixtures.config("sgd", SGD, 0.0, 32, 1);
    StateDict start = RoundFixtures.initialState(whole);

    RoundResult a = LocalRound.run(accumulated, start, shard, 0, 0, 0);

    assertThat(a.steps()).isEqualTo(1);
    assertThat(a.samples()).isEqualTo(20);
    assertClose(a.state(), LocalRound.run(whole, start, shard, 0, 0, 0).state(), start);
  }

  @Test
  void adamCountsOptimizerStepsAndARoundOfTwoStepsEqualsTwoRoundsOfOneBitForBit() {
    HyperParameters adam = HyperParameters.builder().put("lr", 0.05).build();
    DataShard shard = RoundFixtures.shard(0, 40, 13);
    TrainingConfig two = RoundFixtures.config("adam", adam, 0.0, 8, 2, 0, 3);
    TrainingConfig one = RoundFixtures.config("adam", adam, 0.0, 8, 1, 0, 3);
    StateDict start = RoundFixtures.initialState(two);

    RoundResult together = LocalRound.run(two, start, shard, 0, 0, 0);
    StateDict stepwise = LocalRound.run(one, start, shard, 0, 0, 0).state();
    RoundResult second = LocalRound.run(one, stepwise, shard, 0, 1, 1);

    // 40 rows: steps of 24 and 16 samples (batches 8, 8, 8 and 8, 8)
    assertThat(together.steps()).isEqualTo(2);
    assertThat(together.samples()).isEqualTo(40);
    assertThat(together.state().require("optimizer.layers.0.weight.step").floatValue()).isEqualTo(2f);
    assertThat(second.samples()).isEqualTo(16);
    assertThat(together.state()).isEqualTo(second.state());
  }

  @Test
  void clippingSeesTheAccumulatedGradientOncePerStep() {
    DataShard shard = RoundFixtures.shard(0, 32, 9);
    StateDict start = RoundFixtures.initialState(RoundFixtures.config("sgd", SGD, 0.0, 32, 1));
    RoundResult whole = LocalRound.run(RoundFixtures.config("sgd", SGD, 0.0, 32, 1, 0.05), start, shard, 0, 0, 0);
    RoundResult accumulated = LocalRound.run(RoundFixtures.config("sgd", SGD, 0.0, 8, 1, 0.05, 4), start, shard, 0,
        0, 0);

    assertThat(accumulated.gradNorms().steps()).isEqualTo(1);
    assertThat(accumulated.gradNorms().clipped()).isEqualTo(1);
    assertThat(accumulated.gradNorms().mean()).isCloseTo(whole.gradNorms().mean(),
        within(whole.gradNorms().mean() * 1e-5));
    assertClose(accumulated.state(), whole.state(), start);
  }

  @Test
  void batchesAccumulatedPerStepMustBePositive() {
    assertThatThrownBy(() -> RoundFixtures.config("sgd", SGD, 0.0, 8, 1, 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("batches accumulated per step must be >= 1, got 0");
  }

  private static void assertClose(StateDict actual, StateDict expected, StateDict start) {
    boolean moved = false;
    for (String name : LocalRound.modelPart(expected).names()) {
      FloatBuffer e = expected.require(name).asFloatBuffer();
      FloatBuffer a = actual.require(name).asFloatBuffer();
      FloatBuffer s = start.require(name).asFloatBuffer();
      for (int i = 0; i < e.limit(); i++) {
        assertThat((double) a.get(i)).as("%s[%s]", name, i).isCloseTo(e.get(i), within(1e-6));
        moved |= e.get(i) != s.get(i);
      }
    }
    assertThat(moved).as("the step moved the weights").isTrue();
  }
}
