package io.epochal.worker.loss;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import io.epochal.worker.state.EngineScalars;

/**
 * The Huber loss over all elements, as PyTorch's {@code HuberLoss(delta=delta)}: for {@code z =
 * |prediction - label|}, {@code 0.5 * z^2} where {@code z < delta}, else {@code delta * (z - 0.5 *
 * delta)}, averaged: quadratic near the target, linear (gradient {@code +-delta}) far from it, so
 * outliers pull no harder than {@code delta}. ({@code SmoothL1Loss(beta)} is this divided by
 * {@code beta}, equal at 1.) Shapes as every {@link RegressionLoss} takes them.
 */
public final class HuberLoss extends RegressionLoss {

  /** The registry name. */
  public static final String NAME = "huber";
  /** torch's default {@code delta}. */
  public static final double DEFAULT_DELTA = 1.0;

  private final float delta;

  /**
   * @param delta where the loss turns from quadratic to linear, positive and finite
   */
  public HuberLoss(double delta) {
    checkArgument(delta > 0 && Double.isFinite(delta),
        "the Huber loss's delta (loss.huber_delta) must be positive and finite, got %s", delta);
    this.delta = (float) delta;
  }

  @Override
  public String name() {
    return NAME;
  }

  /** Where the loss turns from quadratic to linear, as a float32. */
  public float delta() {
    return delta;
  }

  @Override
  NDArray elementwise(NDArray diff) {
    try (NDArray z = diff.abs();
        NDArray near = z.lt(delta);
        NDArray squared = z.square();
        NDArray quadratic = EngineScalars.times(squared, 0.5f);
        NDArray halfDelta = EngineScalars.of(z, 0.5f * delta);
        NDArray shifted = z.sub(halfDelta);
        NDArray linear = EngineScalars.times(shifted, delta)) {
      return NDArrays.where(near, quadratic, linear);
    }
  }

  @Override
  public String toString() {
    return NAME + "(delta " + delta + ")";
  }
}
