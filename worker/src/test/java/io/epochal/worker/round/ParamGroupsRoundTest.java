package io.epochal.worker.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.optim.ParamGroups;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code train.lr_scale} and {@code train.no_weight_decay} in a round: each parameter stepped as its group says. */
class ParamGroupsRoundTest {

  @Test
  void aLayerAtScaleZeroKeepsItsWeightsWhileTheOthersStepAsInOneGroup() {
    DataShard shard = RoundFixtures.shard(1, 32, 5);
    HyperParameters sgd = HyperParameters.builder().put("lr", 0.5).put("momentum", 0.9).build();
    TrainingConfig one = RoundFixtures.config("sgd", sgd, 0.0, 32, 1);
    TrainingConfig still = RoundFixtures.builder("sgd", sgd, 0.0, 32, 1, 0, 1)
        .optParamGroups(ParamGroups.of(Map.of("layers.0.*", 0.0), List.of())).build();
    StateDict start = RoundFixtures.initialState(one);

    StateDict all = LocalRound.run(one, start, shard, 0, 0, 0).state();
    StateDict some = LocalRound.run(still, start, shard, 0, 0, 0).state();

    assertThat(some.require("layers.0.weight")).isEqualTo(start.require("layers.0.weight"));
    assertThat(some.require("layers.0.bias")).isEqualTo(start.require("layers.0.bias"));
    // unlike a frozen layer it has a gradient, so its momentum is kept, as torch keeps it for a group at rate 0
    assertThat(some.require("optimizer.layers.0.weight.momentum_buffer"))
        .isEqualTo(all.require("optimizer.layers.0.weight.momentum_buffer"));
    assertThat(some.require("layers.3.weight")).isEqualTo(all.require("layers.3.weight"));
    assertThat(some.require("layers.3.bias")).isEqualTo(all.require("layers.3.bias"));
    assertThat(one.equals(still)).as("the groups are part of the config").isFalse();
  }

  @Test
  void parametersNotDecayedStepAsWithoutWeightDecayAndTheOthersAsWithIt() {
    DataShard shard = RoundFixtures.shard(0, 64, 3);
    HyperParameters decayed = HyperParameters.builder().put("lr", 0.01).put("weight_decay", 0.1).build();
    HyperParameters undecayed = HyperParameters.builder().put("lr", 0.01).put("weight_decay", 0.0).build();
    TrainingConfig biasesNot = RoundFixtures.builder("adamw", decayed, 0.0, 16, 1, 0, 1)
        .optParamGroups(ParamGroups.of(Map.of(), List.of("*.bias"))).build();
    StateDict start = RoundFixtures.initialState(biasesNot);

    StateDict some = LocalRound.run(biasesNot, start, shard, 0, 0, 0).state();
    StateDict all = LocalRound.run(RoundFixtures.config("adamw", decayed, 0.0, 16, 1), start, shard, 0, 0, 0).state();
    StateDict none = LocalRound.run(RoundFixtures.config("adamw", undecayed, 0.0, 16, 1), start, shard, 0, 0, 0)
        .state();

    // one step: every gradient is the same in the three runs, so each tensor equals the run that treats it alike
    assertThat(some.require("layers.0.weight")).isEqualTo(all.require("layers.0.weight"));
    assertThat(some.require("layers.3.weight")).isEqualTo(all.require("layers.3.weight"));
    assertThat(some.require("layers.0.bias")).isEqualTo(none.require("layers.0.bias"));
    assertThat(some.require("layers.3.bias")).isEqualTo(none.require("layers.3.bias"));
    assertThat(all.require("layers.0.bias")).isNotEqualTo(none.require("layers.0.bias"));
  }
}
