package io.epochal.driver.bench;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelCache;
import io.epochal.worker.round.BatchPlan;
import io.epochal.worker.round.LocalRound;
import io.epochal.worker.round.RoundResult;
import io.epochal.worker.round.Seeds;
import io.epochal.worker.round.TrainingConfig;
import java.nio.FloatBuffer;

/**
 * The worker's training loop with nothing around it: {@link LocalRound#run} over the same rounds a
 * one-worker job runs, in this thread, with no Spark, no aggregation and no checkpoints. The
 * baseline the Spark path is measured against.
 */
final class LocalLoop {

  private final TrainingConfig config;
  private final DataShard shard;

  LocalLoop(TrainingConfig config, DataShard shard) {
    this.config = checkNotNull(config, "config");
    this.shard = checkNotNull(shard, "shard");
  }

  /** The state a fresh job starts from: the model initialised from the job seed, no optimizer state. */
  static StateDict freshState(TrainingConfig config) {
    EpochalModel model = ModelCache.forCurrentThread()
        .acquire(config.modelName(), config.modelVersion(), config.modelParams());
    model.initialize(Seeds.derive(config.seed(), Seeds.INIT));
    return model.stateDict();
  }

  /** Runs {@code epochs} epochs from a fresh state. */
  Result run(int epochs) {
    checkArgument(epochs >= 1, "epochs must be >= 1, got %s", epochs);
    StateDict state = freshState(config);
    BatchPlan plan = new BatchPlan(config.batchSize(), config.localSteps());
    int rounds = plan.roundsPerEpoch(shard.rows());
    long globalStep = 0;
    long samples = 0;
    long start = System.nanoTime();
    long cpu = Fmt.processCpuNanos();
    for (int e = 0; e < epochs; e++) {
      for (int r = 0; r < rounds; r++) {
        RoundResult result = LocalRound.run(config, state, shard, e, r, globalStep);
        state = result.state();
        samples += result.samples();
        globalStep += plan.stepsInRound(shard.rows(), r);
      }
    }
    long nanos = System.nanoTime() - start;
    return new Result(state, samples, nanos, Fmt.processCpuNanos() - cpu, epochs * rounds);
  }

  /** The largest absolute difference between the float tensors of two states with the same names. */
  static double maxAbsDiff(StateDict a, StateDict b) {
    checkArgument(a.names().equals(b.names()), "states differ in names: %s vs %s", a.names(), b.names());
    double max = 0;
    for (String name : a.names()) {
      Tensor x = a.get(name);
      Tensor y = b.get(name);
      if (x.dtype() != io.epochal.tensor.DType.F32) {
        max = Math.max(max, x.equals(y) ? 0 : Double.POSITIVE_INFINITY);
        continue;
      }
      FloatBuffer fx = x.asFloatBuffer();
      FloatBuffer fy = y.asFloatBuffer();
      for (int i = 0; i < fx.limit(); i++) {
        max = Math.max(max, Math.abs((double) fx.get(i) - fy.get(i)));
      }
    }
    return max;
  }

  /** What a local run did and how long it took. */
  static final class Result {
    private final StateDict state;
    private final long samples;
    private final long nanos;
    private final long cpuNanos;
    private final int rounds;

    Result(StateDict state, long samples, long nanos, long cpuNanos, int rounds) {
      this.state = state;
      this.samples = samples;
      this.nanos = nanos;
      this.cpuNanos = cpuNanos;
      this.rounds = rounds;
    }

    StateDict state() {
      return state;
    }

    long samples() {
      return samples;
    }

    long nanos() {
      return nanos;
    }

    /** Process CPU time of the loop. */
    long cpuNanos() {
      return cpuNanos;
    }

    int rounds() {
      return rounds;
    }
  }
}
