package io.epochal.worker.round;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.SplittableRandom;

/**
 * How an epoch divides into rounds and steps. A worker's shard is visited in a permutation seeded
 * by (job seed, epoch, worker); step {@code k} of the epoch takes positions
 * {@code [k * batch, min((k + 1) * batch, rows))} of it (the last batch may be short); round
 * {@code r} runs steps {@code [r * localSteps, (r + 1) * localSteps)}. Every worker runs the same
 * number of rounds, set by the largest shard; a worker whose shard is exhausted takes fewer steps
 * (possibly none) in the last rounds and then weighs nothing in the average.
 */
public final class BatchPlan {

  private final int batchSize;
  private final int localSteps;

  /** A plan for {@code batchSize} samples per step and {@code localSteps} steps per round. */
  public BatchPlan(int batchSize, int localSteps) {
    checkArgument(batchSize >= 1, "batch size must be >= 1, got %s", batchSize);
    checkArgument(localSteps >= 1, "local steps must be >= 1, got %s", localSteps);
    this.batchSize = batchSize;
    this.localSteps = localSteps;
  }

  /** Steps a shard of {@code rows} samples takes per epoch. */
  public int stepsPerEpoch(int rows) {
    return (rows + batchSize - 1) / batchSize;
  }

  /** Rounds per epoch for shards whose largest has {@code maxRows} samples (at least 1). */
  public int roundsPerEpoch(int maxRows) {
    int steps = stepsPerEpoch(maxRows);
    return Math.max(1, (steps + localSteps - 1) / localSteps);
  }

  /** The first epoch step of round {@code round}. */
  public int firstStep(int round) {
    return round * localSteps;
  }

  /** Steps a shard of {@code rows} samples takes in round {@code round} (0 when exhausted). */
  public int stepsInRound(int rows, int round) {
    int total = stepsPerEpoch(rows);
    int first = firstStep(round);
    return Math.max(0, Math.min(localSteps, total - first));
  }

  /** Start position (inclusive) in the permutation of epoch step {@code step}. */
  public int batchStart(int step) {
    return step * batchSize;
  }

  /** End position (exclusive) in the permutation of epoch step {@code step}. */
  public int batchEnd(int rows, int step) {
    return Math.min(rows, (step + 1) * batchSize);
  }

  /** Samples per step. */
  public int batchSize() {
    return batchSize;
  }

  /** Steps per round. */
  public int localSteps() {
    return localSteps;
  }

  /**
   * The visiting order of {@code rows} samples for one (seed, epoch, worker): a Fisher-Yates shuffle
   * driven by a {@link SplittableRandom} seeded with {@link Seeds#derive}.
   */
  public static int[] permutation(int rows, long seed, int epoch, int worker) {
    int[] perm = new int[rows];
    for (int i = 0; i < rows; i++) {
      perm[i] = i;
    }
    SplittableRandom rng = new SplittableRandom(Seeds.derive(seed, Seeds.SHUFFLE, epoch, worker));
    for (int i = rows - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    return perm;
  }
}
