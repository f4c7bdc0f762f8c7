package io.epochal.worker.loss;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import io.epochal.worker.state.EngineScalars;

/**
 * The smooth L1 loss over all elements, as PyTorch's {@code SmoothL1Loss(beta=beta)} (Fast R-CNN's box regression
 * loss): for {@code z = |prediction - label|}, {@code 0.5 * z^2 / beta} where {@code z < beta}, else {@code z - 0.5 *
 * beta}, averaged: quadratic near the target, the absolute error (gradient {@code +-1}) beyond it. It is the Huber loss
 * with {@code delta = beta} divided by {@code beta}, computed as torch computes it rather than as that quotient. torch
 * also takes {@code beta = 0}, which torch 2.1 and later compute as {@code L1Loss}, gradient included (torch 1.13 gave
 * -1 for a difference of exactly 0); this loss takes {@code beta > 0}, and loss {@code l1} is the one for 0. Shapes as
 * every {@link RegressionLoss} takes them.
 */
public final class SmoothL1Loss extends RegressionLoss {

  /** The registry name. */
  public static final String NAME = "smooth_l1";
  /** torch's default {@code beta}. */
  public static final double DEFAULT_BETA = 1.0;

  private final float beta;

  /**
   * @param beta where the loss turns from quadratic to linear, positive and finite
   */
  public SmoothL1Loss(double beta) {
    checkArgument(beta > 0 && Double.isFinite(beta), "the smooth L1 loss's beta (loss.smooth_l1_beta) must be positive "
        + "and finite, got %s; for beta 0, torch's L1 loss, use loss=l1", beta);
    this.beta = (float) beta;
  }

  @Override
  public String name() {
    return NAME;
  }

  /** Where the loss turns from quadratic to linear, as a float32. */
  public float beta() {
    return beta;
  }

  @Override
  NDArray elementwise(NDArray diff) {
    // engine-owned constants (EngineScalars): autograd keeps the divisor for backward
    try (NDArray z = diff.abs();
        NDArray near = z.lt(beta);
        NDArray squared = z.square();
        NDArray half = EngineScalars.times(squared, 0.5f);
        NDArray divisor = EngineScalars.of(z, beta);
        NDArray quadratic = half.div(divisor);
        NDArray halfBeta = EngineScalars.of(z, 0.5f * beta);
        NDArray linear = z.sub(halfBeta)) {
      return NDArrays.where(near, quadratic, linear);
    }
  }

  @Override
  public String toString() {
    return NAME + "(beta " + beta + ")";
  }
}
