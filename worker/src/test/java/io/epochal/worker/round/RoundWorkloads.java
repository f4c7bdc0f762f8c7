package io.epochal.worker.round;

import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.optim.Optimizers;
import java.util.List;

/**
 * A workload of realistic size for tests that run many rounds or run in a child JVM: the built-in
 * MLP 64-256-256-10 (85,002 parameters) with Adam at torch's defaults, batch 32, 4 local steps,
 * and a 640-row shard (5 rounds per epoch), so that a leak of one model's worth of arrays per
 * round is large.
 */
final class RoundWorkloads {

  static final int FEATURES = 64;
  static final int CLASSES = 10;
  static final int BATCH = 32;
  static final int LOCAL_STEPS = 4;
  static final int ROWS = BATCH * LOCAL_STEPS * 5;

  private RoundWorkloads() {}

  static TrainingConfig mlpAdam(double dropout) {
    return mlpAdam(dropout, LOCAL_STEPS);
  }

  /** The workload with {@code localSteps} steps per round (the shard then holds more rounds). */
  static TrainingConfig mlpAdam(double dropout, int localSteps) {
    HyperParameters model = ModelRegistry.getDefault().resolve("mlp", 1, HyperParameters.builder()
        .put("input_dim", (long) FEATURES)
        .put("hidden", List.of(256L, 256L))
        .put("output_dim", (long) CLASSES)
        .put("dropout", dropout)
        .build());
    return TrainingConfig.builder()
        .setModel("mlp", 1, model)
        .setOptimizer("adam", Optimizers.params("adam").resolve(HyperParameters.builder().put("lr", 1e-3).build()))
        .optSchedule(HyperParameters.builder().put("schedule", "constant").build())
        .setLoss("softmax_cross_entropy")
        .setBatchSize(BATCH)
        .optLocalSteps(localSteps)
        .setSeed(42)
        .build();
  }

  /** Gaussian features; the class is the argmax of the first ten features. */
  static DataShard shard(int worker, long seed) {
    return RoundFixtures.argmaxShard(worker, ROWS, FEATURES, CLASSES, seed);
  }

  static StateDict initialState(TrainingConfig config) {
    return RoundFixtures.initialState(config);
  }

  /** Rounds per epoch of {@link #shard} with {@code localSteps} steps per round. */
  static int roundsPerEpoch(int localSteps) {
    return ROWS / (BATCH * localSteps);
  }
}
