package io.epochal.worker.round;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.optim.Optimizers;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * A parameter no backward reaches (a head the loss does not use) has no gradient, and is skipped as
 * torch's optimizers skip a {@code grad} of None: no weight decay, no momentum, no optimizer state,
 * no part in the clipped norm.
 */
class UnusedParameterRoundTest {

  private static TrainingConfig config(String optimizer, HyperParameters raw, double clipGradNorm) {
    HyperParameters model = ModelRegistry.getDefault().resolve("aux-head-linear", 1, HyperParameters.builder()
        .put("features", (long) RoundFixtures.FEATURES).put("outputs", (long) RoundFixtures.CLASSES).build());
    return TrainingConfig.builder().setModel("aux-head-linear", 1, model)
        .setOptimizer(optimizer, Optimizers.params(optimizer).resolve(raw))
        .optSchedule(HyperParameters.builder().put("schedule", "constant").build())
        .optClipGradNorm(clipGradNorm)
        .setLoss("softmax_cross_entropy").setBatchSize(16).optLocalSteps(3).setSeed(7).build();
  }

  @Test
  void aParameterTheLossDoesNotReachIsNeitherDecayedNorGivenOptimizerState() throws Exception {
    DataShard shard = RoundFixtures.shard(0, 64, 5);
    ExecutorService thread = Executors.newSingleThreadExecutor();
    try {
      for (TrainingConfig config : new TrainingConfig[] {
          config("adamw", HyperParameters.builder().put("lr", 0.01).put("weight_decay", 0.1).build(), 0),
          config("sgd", HyperParameters.builder().put("lr", 0.05).put("weight_decay", 0.1).put("momentum", 0.9)
              .build(), 1.0)}) {
        StateDict start = RoundFixtures.initialState(config);
        RoundResult first = thread.submit(() -> LocalRound.run(config, start, shard, 0, 0, 0)).get();
        RoundResult second = thread.submit(() -> LocalRound.run(config, first.state(), shard, 0, 1, 3)).get();
        for (RoundResult r : new RoundResult[] {first, second}) {
          assertThat(r.state().require("aux.weight")).as(config.optimizerName()).isEqualTo(start.require("aux.weight"));
          assertThat(r.state().names()).as(config.optimizerName())
              .noneMatch(n -> n.startsWith(LocalRound.OPTIMIZER_PREFIX) && n.contains("aux"));
          assertThat(r.state().require("weight")).as("the parameters the loss reaches train")
              .isNotEqualTo(start.require("weight"));
        }
      }
    } finally {
      thread.shutdownNow();
    }
  }
}
