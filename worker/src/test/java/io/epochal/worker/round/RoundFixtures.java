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
    return config(optimizer, optimizerRaw, dropout, batch, localSteps, 0);
  }

  /** As the other, clipping every step's gradients to total norm {@code clipGradNorm} (0 = none). */
  static TrainingConfig config(String optimizer, HyperParameters optimizerRaw, double dropout, int batch,
      int localSteps, double clipGradNorm) {
    return config(optimizer, optimizerRaw, dropout, batch, localSteps, clipGradNorm, 1);
  }

  /** As the other, every optimizer step summing the gradients of {@code accumulate} batches. */
  static TrainingConfig config(String optimizer, HyperParameters optimizerRaw, double dropout, int batch,
      int localSteps, double clipGradNorm, int accumulate) {
    return builder(optimizer, optimizerRaw, dropout, batch, localSteps, clipGradNorm, accumulate).build();
  }

  /** The builder of the config of the other overloads, for a key they do not set. */
  static TrainingConfig.Builder builder(String optimizer, HyperParameters optimizerRaw, double dropout, int batch,
      int localSteps, double clipGradNorm, int accumulate) {
    return TrainingConfig.builder()
        .optClipGradNorm(clipGradNorm)
        .optAccumulateGradBatches(accumulate)
        .setModel("mlp", 1, mlpParams(dropout))
        .setOptimizer(optimizer, Optimizers.params(optimizer).resolve(optimizerRaw))
        .optSchedule(HyperParameters.builder().put("schedule", "constant").build())
        .setLoss("softmax_cross_entropy")
        .setBatchSize(batch)
        .optLocalSteps(localSteps)
        .setSeed(7);
  }

  static TrainingConfig adam(double dropout, int batch, int localSteps) {
    return config("adam", HyperParameters.builder().put("lr", 0.01).build(), dropout, batch, localSteps);
  }

  /** A learnable shard: the class is the argmax of the first three features. */
  static DataShard shard(int worker, int rows, long seed) {
    return argmaxShard(worker, rows, FEATURES, CLASSES, seed);
  }

  /** Gaussian features; the class is the argmax of the first {@code classes} features. */
  static DataShard argmaxShard(int worker, int rows, int features, int classes, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] x = new float[rows * features];
    float[] y = new float[rows];
    for (int i = 0; i < rows; i++) {
      int best = 0;
      for (int f = 0; f < features; f++) {
        x[i * features + f] = (float) rng.nextGaussian();
        if (f < classes && x[i * features + f] > x[i * features + best]) {
          best = f;
        }
      }
      y[i] = best;
    }
    return new DataShard(worker, rows, new long[] {features}, 1, x, y);
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

  /** The largest difference between an element of a model tensor of {@code a} and the same of {@code b}. */
  static double maxModelDifference(StateDict a, StateDict b) {
    double max = 0;
    for (String name : LocalRound.modelPart(a).names()) {
      java.nio.FloatBuffer x = a.require(name).asFloatBuffer();
      java.nio.FloatBuffer y = b.require(name).asFloatBuffer();
      for (int i = 0; i < x.limit(); i++) {
        max = Math.max(max, Math.abs(x.get(i) - y.get(i)));
      }
    }
    return max;
  }
}
