package io.epochal.worker.round;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.SplittableRandom;

/**
 * How an epoch divides into rounds, optimizer steps and batches. A worker's shard is visited in a
 * permutation seeded by (job seed, epoch, worker); with {@code k} batches accumulated per step,
 * optimizer step {@code s} of the epoch takes positions {@code [s * batch * k, min((s + 1) * batch *
 * k, rows))} of it, in batches of {@code batch} positions (the last batch of the shard may be short,
 * and so may its last step); round {@code r} runs steps {@code [r * localSteps, (r + 1) *
 * localSteps)}. The batches are those of a plan without accumulation, whatever {@code k}. Every
 * worker runs the same number of rounds, set by the largest shard; a worker whose shard is exhausted
 * takes fewer steps (possibly none) in the last rounds and then weighs nothing in the average.
 */
public final class BatchPlan {

  private final int batchSize;
  private final int localSteps;
  private final int accumulate;

  /** A plan for {@code batchSize} samples per step and {@code localSteps} steps per round. */
  public BatchPlan(int batchSize, int localSteps) {
    this(batchSize, localSteps, 1);
  }

  /**
   * A plan for optimizer steps of {@code accumulate} batches of {@code batchSize} samples each
   * ({@code train.accumulate_grad_batches}) and {@code localSteps} steps per round.
   */
  public BatchPlan(int batchSize, int localSteps, int accumulate) {
    checkArgument(batchSize >= 1, "batch size must be >= 1, got %s", batchSize);
    checkArgument(localSteps >= 1, "local steps must be >= 1, got %s", localSteps);
    checkArgument(accumulate >= 1, "batches accumulated per step must be >= 1, got %s", accumulate);
    checkArgument((long) batchSize * accumulate <= Integer.MAX_VALUE,
        "batch size %s times %s batches accumulated per step must be at most %s samples", batchSize, accumulate,
        Integer.MAX_VALUE);
    this.batchSize = batchSize;
    this.localSteps = localSteps;
    this.accumulate = accumulate;
  }

  /** Optimizer steps a shard of {@code rows} samples takes per epoch. */
  public int stepsPerEpoch(int rows) {
    long perStep = samplesPerStep();
    return (int) ((rows + perStep - 1) / perStep);
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
    return (int) Math.min(Integer.MAX_VALUE, (long) step * samplesPerStep());
  }

  /** End position (exclusive) in the permutation of epoch step {@code step}. */
  public int batchEnd(int rows, int step) {
    return (int) Math.min(rows, (step + 1L) * samplesPerStep());
  }

  /** Samples per batch: one forward and backward pass. */
  public int batchSize() {
    return batchSize;
  }

  /** Batches whose gradients one optimizer step sums (1: no accumulation). */
  public int accumulate() {
    return accumulate;
  }

  /** Samples per optimizer step at most: {@code batchSize * accumulate}. */
  public int samplesPerStep() {
    return batchSize * accumulate;
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
