package io.epochal.worker.round;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code train.freeze} in a round: frozen parameters are not trained, as torch's {@code requires_grad_(False)}. */
class FrozenRoundTest {

  private static final FrozenParameters FIRST_LAYER = FrozenParameters.of(List.of("layers.0.*"));

  @Test
  void frozenParametersKeepTheirWeightsDecayNothingAndGetNoOptimizerState() {
    DataShard shard = RoundFixtures.shard(0, 64, 3);
    HyperParameters adamw = HyperParameters.builder().put("lr", 0.01).put("weight_decay", 0.1).build();
    TrainingConfig frozen = RoundFixtures.builder("adamw", adamw, 0.0, 16, 4, 0, 1).optFrozen(FIRST_LAYER).build();
    StateDict start = RoundFixtures.initialState(frozen);

    StateDict after = LocalRound.run(frozen, start, shard, 0, 0, 0).state();

    for (String name : List.of("layers.0.weight", "layers.0.bias")) {
      assertThat(after.require(name)).as(name).isEqualTo(start.require(name));
    }
    for (String name : List.of("layers.3.weight", "layers.3.bias")) {
      assertThat(after.require(name)).as(name).isNotEqualTo(start.require(name));
    }
    assertThat(LocalRound.optimizerPart(after).names()).isNotEmpty()
        .allMatch(n -> n.startsWith("layers.3."), "state of the trained layer only");
  }

  @Test
  void parametersFrozenForAnEpochTrainInTheNextStartingTheirOptimizerStateFresh() {
    DataShard shard = RoundFixtures.shard(0, 64, 3);
    HyperParameters adam = HyperParameters.builder().put("lr", 0.01).build();
    TrainingConfig config = RoundFixtures.builder("adam", adam, 0.0, 16, 2, 0, 1)
        .optFrozen(FrozenParameters.of(List.of("layers.0.*"), 1)).build();
    StateDict start = RoundFixtures.initialState(config);

    StateDict epoch1 = LocalRound.run(config, start, shard, 0, 0, 0).state();
    assertThat(epoch1.require("layers.0.weight")).isEqualTo(start.require("layers.0.weight"));
    assertThat(LocalRound.optimizerPart(epoch1).names()).noneMatch(n -> n.startsWith("layers.0."));

    StateDict epoch2 = LocalRound.run(config, epoch1, shard, 1, 0, 2).state();
    assertThat(epoch2.require("layers.0.weight")).isNotEqualTo(start.require("layers.0.weight"));
    StateDict optimizer = LocalRound.optimizerPart(epoch2);
    assertThat(optimizer.require("layers.0.weight.step").floatValue()).as("two steps since it was frozen")
        .isEqualTo(2f);
    assertThat(optimizer.require("layers.3.weight.step").floatValue()).isEqualTo(4f);

    // in a later round the state must hold them: one that lost them is refused, as any state that does not fit
    StateDict.Builder lost = StateDict.builder().putAll(LocalRound.modelPart(epoch2));
    epoch1.names().stream().filter(n -> n.startsWith("optimizer.")).forEach(n -> lost.put(n, epoch1.require(n)));
    assertThatThrownBy(() -> LocalRound.run(config, lost.build(), shard, 1, 1, 4)).hasStackTraceContaining(
        "missing [layers.0.weight.step, layers.0.weight.exp_avg, layers.0.weight.exp_avg_sq]");
  }

  @Test
  void aStepOfTheOtherParametersIsTheStepTheyTakeWhenNothingIsFrozen() {
    DataShard shard = RoundFixtures.shard(1, 32, 5);
    HyperParameters sgd = HyperParameters.builder().put("lr", 0.5).build();
    TrainingConfig free = RoundFixtures.config("sgd", sgd, 0.0, 32, 1);
    TrainingConfig frozen = RoundFixtures.builder("sgd", sgd, 0.0, 32, 1, 0, 1).optFrozen(FIRST_LAYER).build();
    StateDict start = RoundFixtures.initialState(free);

    StateDict trainedAll = LocalRound.run(free, start, shard, 0, 0, 0).state();
    StateDict trainedSome = LocalRound.run(frozen, start, shard, 0, 0, 0).state();
    StateDict trainedAllAgain = LocalRound.run(free, start, shard, 0, 0, 0).state();

    // one step: the last layer's gradient does not depend on whether the first one takes a gradient
    assertThat(trainedSome.require("layers.3.weight")).isEqualTo(trainedAll.require("layers.3.weight"));
    assertThat(trainedSome.require("layers.3.bias")).isEqualTo(trainedAll.require("layers.3.bias"));
    assertThat(trainedSome.require("layers.0.weight")).isEqualTo(start.require("layers.0.weight"));
    assertThat(trainedAll.require("layers.0.weight")).isNotEqualTo(start.require("layers.0.weight"));
    assertThat(trainedAllAgain).as("the thread's cached model trains its first layer again once it is not frozen")
        .isEqualTo(trainedAll);
  }
}
