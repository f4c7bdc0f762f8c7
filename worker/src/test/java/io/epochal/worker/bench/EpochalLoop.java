package io.epochal.worker.bench;

import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.worker.loss.LossConfig;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.optim.Optimizers;
import io.epochal.worker.round.LocalRound;
import io.epochal.worker.round.RoundResult;
import io.epochal.worker.round.Seeds;
import io.epochal.worker.round.TrainingConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * Epochal's side: chained {@link LocalRound#run} calls on the built-in MLP, each round starting
 * from the previous round's state, exactly as one worker of a job with a single worker.
 */
final class EpochalLoop {

  private final TrainingConfig config;
  private final BenchData data;
  private final int roundsPerEpoch;
  private StateDict state;
  private long round;
  private long globalStep;

  /**
   * @param optimizer "sgd" or "adam"
   * @param optimizerParams raw optimizer hyperparameters (lr and anything else)
   */
  EpochalLoop(String optimizer, HyperParameters optimizerParams, int[] hidden, int outputs, BenchData data,
      int batch, int localSteps) {
    this(optimizer, optimizerParams, hidden, outputs, data, batch, localSteps, 0);
  }

  /** As the other, with {@code train.clip_grad_norm} = {@code clipGradNorm} (0 = none). */
  EpochalLoop(String optimizer, HyperParameters optimizerParams, int[] hidden, int outputs, BenchData data,
      int batch, int localSteps, double clipGradNorm) {
    this(optimizer, optimizerParams, hidden, outputs, data, batch, localSteps, clipGradNorm,
        LossConfig.of("softmax_cross_entropy"));
  }

  /** As the other, training with {@code loss} (class weights, label smoothing). */
  EpochalLoop(String optimizer, HyperParameters optimizerParams, int[] hidden, int outputs, BenchData data,
      int batch, int localSteps, double clipGradNorm, LossConfig loss) {
    this(optimizer, optimizerParams, hidden, outputs, data, batch, localSteps, clipGradNorm, loss, 0);
  }

  /** As the other, keeping a moving average of the model of decay {@code emaDecay} (0 = none). */
  EpochalLoop(String optimizer, HyperParameters optimizerParams, int[] hidden, int outputs, BenchData data,
      int batch, int localSteps, double clipGradNorm, LossConfig loss, double emaDecay) {
    List<Long> h = new ArrayList<>();
    for (int x : hidden) {
      h.add((long) x);
    }
    HyperParameters model = ModelRegistry.getDefault().resolve("mlp", 1, HyperParameters.builder()
        .put("input_dim", (long) data.shard().featureSize())
        .put("hidden", h)
        .put("output_dim", (long) outputs)
        .build());
    this.config = TrainingConfig.builder()
        .setModel("mlp", 1, model)
        .setOptimizer(optimizer, Optimizers.params(optimizer).resolve(optimizerParams))
        .optSchedule(HyperParameters.builder().put("schedule", "constant").build())
        .setLoss(loss)
        .setBatchSize(batch)
        .optLocalSteps(localSteps)
        .optClipGradNorm(clipGradNorm)
        .optEmaDecay(emaDecay)
        .setSeed(1)
        .optThreads(1)
        .build();
    this.data = data;
    this.roundsPerEpoch = data.batchesPerEpoch() / localSteps;
    try (EpochalModel m = ModelRegistry.getDefault().create("mlp", 1, model)) {
      m.initialize(Seeds.derive(config.seed(), Seeds.INIT));
      this.state = m.stateDict();
    } catch (Exception e) {
      throw new IllegalStateException("cannot initialise the benchmark model", e);
    }
  }

  TrainingConfig config() {
    return config;
  }

  StateDict state() {
    return state;
  }

  /** Runs {@code rounds} rounds; returns the samples trained. */
  long train(int rounds) {
    long samples = 0;
    for (int i = 0; i < rounds; i++) {
      int epoch = (int) (round / roundsPerEpoch);
      int r = (int) (round % roundsPerEpoch);
      RoundResult result = LocalRound.run(config, state, data.shard(), epoch, r, globalStep);
      state = result.state();
      globalStep += result.steps();
      samples += result.samples();
      round++;
    }
    return samples;
  }
}
