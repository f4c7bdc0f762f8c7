package io.epochal.worker.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

/** {@code train.clip_grad_value} in a round: every gradient element of a step clamped before the step. */
class ValueClippingRoundTest {

  private static final HyperParameters SGD = HyperParameters.builder().put("lr", 0.5).build();

  @Test
  void aPlainSgdStepMovesNoWeightFurtherThanTheRateTimesTheClipValueAndManyExactlyThatFar() {
    DataShard shard = RoundFixtures.shard(0, 16, 9);
    TrainingConfig free = RoundFixtures.config("sgd", SGD, 0.0, 16, 1);
    TrainingConfig clipped = RoundFixtures.builder("sgd", SGD, 0.0, 16, 1, 0, 1).optClipGradValue(0.01).build();
    StateDict start = RoundFixtures.initialState(free);

    StateDict unclipped = LocalRound.run(free, start, shard, 0, 0, 0).state();
    StateDict step = LocalRound.run(clipped, start, shard, 0, 0, 0).state();

    double limit = 0.5 * 0.01f;
    int atTheLimit = 0;
    double freeMax = 0;
    for (String name : LocalRound.modelPart(start).names()) {
      FloatBuffer w0 = start.require(name).asFloatBuffer();
      FloatBuffer w1 = step.require(name).asFloatBuffer();
      FloatBuffer u = unclipped.require(name).asFloatBuffer();
      for (int i = 0; i < w0.limit(); i++) {
        double moved = Math.abs(w1.get(i) - (double) w0.get(i));
        assertThat(moved).as("%s[%s]", name, i).isLessThanOrEqualTo(limit * (1 + 1e-3) + Math.ulp(w0.get(i)));
        atTheLimit += Math.abs(moved - limit) <= limit * 1e-3 + Math.ulp(w0.get(i)) ? 1 : 0;
        freeMax = Math.max(freeMax, Math.abs(u.get(i) - (double) w0.get(i)));
      }
    }
    assertThat(atTheLimit).as("weights whose gradient element was clamped").isGreaterThan(10);
    assertThat(freeMax).as("the same step without clipping").isGreaterThan(10 * limit);
    assertThat(LocalRound.run(RoundFixtures.builder("sgd", SGD, 0.0, 16, 1, 0, 1).optClipGradValue(1e9).build(), start,
        shard, 0, 0, 0).state()).as("a bound above every element changes nothing").isEqualTo(unclipped);
  }
}
