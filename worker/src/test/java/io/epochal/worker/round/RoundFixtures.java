package io.epochal.worker.round;

import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.optim.Optimizers;
import java.util.List;
import java.util.SplittableRandom;

/** Small models, data and configs for round tests. */
final class RoundFixtures {

  static final int FEATURES = 8;
  static final int CLASSES = 3;

  private RoundFixtures() {}

  static HyperParameters mlpParams(double dropout) {
    return ModelRegistry.getDefault().resolve("mlp", 1, HyperParameters.builder()
        .put("input_dim", (long) FEATURES)
        .put("hidden", List.of(16L))
        .put("output_dim", (long) CLASSES)
        .put("dropout", dropout)
        .build());
  }

  static TrainingConfig config(String optimizer, HyperParameters optimizerRaw, double dropout, int batch,
      int localSteps) {
    return TrainingConfig.builder()
        .setModel("mlp", 1, mlpParams(dropout))
        .setOptimizer(optimizer, Optimizers.params(optimizer).resolve(optimizerRaw))
        .optSchedule(HyperParameters.builder().put("schedule", "constant").build())
        .setLoss("softmax_cross_entropy")
        .setBatchSize(batch)
        .optLocalSteps(localSteps)
        .setSeed(7)
        .build();
  }

  static TrainingConfig adam(double dropout, int batch, int localSteps) {
    return config("adam", HyperParameters.builder().put("lr", 0.01).build(), dropout, batch, localSteps);
  }

  /** A learnable shard: the class is the argmax of the first three features. */
  static DataShard shard(int worker, int rows, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] x = new float[rows * FEATURES];
    float[] y = new float[rows];
    for (int i = 0; i < rows; i++) {
      int best = 0;
      for (int f = 0; f < FEATURES; f++) {
        x[i * FEATURES + f] = (float) rng.nextGaussian();
        if (f < CLASSES && x[i * FEATURES + f] > x[i * FEATURES + best]) {
          best = f;
        }
      }
      y[i] = best;
    }
    return new DataShard(worker, rows, new long[] {FEATURES}, 1, x, y);
  }

  static StateDict initialState(TrainingConfig config) {
    try (EpochalModel model = ModelRegistry.getDefault().create(config.modelName(), config.modelVersion(),
        config.modelParams())) {
      model.initialize(Seeds.derive(config.seed(), Seeds.INIT));
      return model.stateDict();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
