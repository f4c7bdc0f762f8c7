package io.epochal.worker.round;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs chained one-step rounds of {@link RoundWorkloads#mlpAdam} in this JVM (a round's fixed work,
 * state loading, optimizer rebuild and state export, is what repeats most often per second) and prints this process's
 * resident memory as {@code rss <rounds done> <kB>} after every {@link #EVERY} rounds. Arguments:
 * the number of rounds and a number of floats to leak per round on the native side (0 for none;
 * a positive value lets a test prove that a leak shows).
 */
final class RoundMemoryMain {

  static final int EVERY = 50;

  private RoundMemoryMain() {}

  public static void main(String[] args) throws IOException {
    int rounds = Integer.parseInt(args[0]);
    long leakFloats = Long.parseLong(args[1]);
    TrainingConfig config = RoundWorkloads.mlpAdam(0.1, 1);
    DataShard shard = RoundWorkloads.shard(0, 5);
    StateDict state = RoundWorkloads.initialState(config);
    List<NDArray> leaked = new ArrayList<>();
    NDManager leakManager = leakFloats > 0 ? NDManager.newBaseManager() : null;
    long step = 0;
    for (int r = 0; r < rounds; r++) {
      int perEpoch = RoundWorkloads.roundsPerEpoch(1);
      RoundResult result = LocalRound.run(config, state, shard, r / perEpoch, r % perEpoch, step);
      state = result.state();
      step += result.steps();
      if (leakManager != null) {
        leaked.add(leakManager.ones(new Shape(leakFloats)));
      }
      if ((r + 1) % EVERY == 0) {
        System.out.println("rss " + (r + 1) + " " + residentKiB());
      }
    }
    System.out.println("done " + leaked.size() + " " + state.totalBytes());
    if (leakManager != null) {
      leakManager.close();
    }
  }

  /** VmRSS of this process in KiB, from /proc/self/status. */
  static long residentKiB() throws IOException {
    for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
      }
    }
    throw new IOException("/proc/self/status has no VmRSS line");
  }
}
