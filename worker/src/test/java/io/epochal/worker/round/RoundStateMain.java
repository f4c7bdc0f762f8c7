package io.epochal.worker.round;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.data.DataShard;
import java.io.IOException;
import java.nio.file.Paths;

/**
 * Runs {@link #ROUNDS} chained rounds of {@link RoundWorkloads#mlpAdam} (with dropout) from the
 * seeded initial state and writes the final state, plus each round's loss sum as
 * {@code metrics.loss_sum.<r>}, as a {@link RawStateFile}. Used in-process and in a child JVM.
 * Argument: the output file.
 */
final class RoundStateMain {

  static final int ROUNDS = 3;

  private RoundStateMain() {}

  public static void main(String[] args) throws IOException {
    RawStateFile.write(run(), Paths.get(args[0]));
  }

  static StateDict run() {
    TrainingConfig config = RoundWorkloads.mlpAdam(0.25);
    DataShard shard = RoundWorkloads.shard(3, 99);
    StateDict state = RoundWorkloads.initialState(config);
    StateDict.Builder metrics = StateDict.builder();
    long step = 0;
    for (int r = 0; r < ROUNDS; r++) {
      RoundResult result = LocalRound.run(config, state, shard, 1, r, step);
      state = result.state();
      step += result.steps();
      metrics.put("metrics.loss_sum." + r, Tensor.ofDoubles(new long[0], result.lossSum()));
    }
    return state.concat(metrics.build());
  }
}
