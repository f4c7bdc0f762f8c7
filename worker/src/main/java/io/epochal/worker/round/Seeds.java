package io.epochal.worker.round;

/**
 * Derives independent 64-bit seeds from the job seed and coordinates (purpose, epoch, round,
 * worker) with the SplitMix64 finalizer, so that every shuffle, dropout mask and initialisation is
 * a pure function of the job seed and where it happens, and never of thread or task timing.
 */
public final class Seeds {

  /** Purpose tag: the order of a worker's shard within an epoch. */
  public static final long SHUFFLE = 0x5348554646L;
  /** Purpose tag: dropout and other randomness inside a round. */
  public static final long ROUND = 0x524f554e44L;
  /** Purpose tag: model initialisation. */
  public static final long INIT = 0x494e4954L;

  /**
   * How the seeds are derived, as each checkpoint's {@code random_state.derivation} records it: enough to
   * reproduce a shuffle, a dropout mask or the initial weights outside Epochal.
   */
  public static final String DERIVATION = "h = mix(seed ^ 0x9E3779B97F4A7C15), then h = mix(h + 0x9E3779B97F4A7C15 + "
      + "part) for each part, mix = SplitMix64's finalizer; epochs e and rounds r count from 0; a worker's shuffle "
      + "of epoch e: parts (0x5348554646, e, worker), into java.util.SplittableRandom; dropout in round r of epoch e: "
      + "parts (0x524f554e44, e, r, worker); initial weights: parts (0x494e4954), the i-th tensor in registration order "
      + "drawing from the i-th SplittableRandom.split()";

  private Seeds() {}

  /** A seed derived from {@code seed} and {@code parts}, in order. */
  public static long derive(long seed, long... parts) {
    long h = mix(seed ^ 0x9E3779B97F4A7C15L);
    for (long p : parts) {
      h = mix(h + 0x9E3779B97F4A7C15L + p);
    }
    return h;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
