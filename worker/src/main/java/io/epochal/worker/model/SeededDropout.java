package io.epochal.worker.model;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import java.util.SplittableRandom;

/**
 * Dropout whose mask comes from a Java {@link SplittableRandom}, not from the engine's global
 * generator: element {@code i} (row-major) is kept when the {@code i}-th {@code nextDouble()} is
 * at least {@code p}, and kept elements are scaled by {@code 1/(1-p)} like {@code torch.nn.Dropout}.
 * The result is therefore a pure function of the input and the generator state, and concurrent
 * models in one JVM do not disturb each other.
 */
public final class SeededDropout {

  private SeededDropout() {}

  /**
   * Applies dropout with probability {@code p}; with {@code p == 0} the input is returned as is and
   * {@code rng} is not used.
   *
   * @throws IllegalArgumentException if {@code p} is outside {@code [0, 1)} or {@code rng} is null
   *     while {@code p > 0}
   */
  public static NDArray apply(NDArray x, double p, SplittableRandom rng) {
    checkArgument(p >= 0 && p < 1, "dropout probability must be in [0, 1), got %s", p);
    if (p == 0) {
      return x;
    }
    checkArgument(rng != null, "a training forward with dropout %s needs a random generator; pass the"
        + " round's SplittableRandom instead of null", p);
    float scale = (float) (1.0 / (1.0 - p));
    float[] mask = new float[Math.toIntExact(x.getShape().size())];
    for (int i = 0; i < mask.length; i++) {
      mask[i] = rng.nextDouble() < p ? 0f : scale;
    }
    NDArray m = x.getManager().create(mask, x.getShape()).toDevice(x.getDevice(), false);
    return x.mul(m);
  }
}
