package io.epochal.worker.loss;

import ai.djl.ndarray.NDArray;

/**
 * Mean squared error over all elements, as PyTorch's {@code MSELoss()}:
 * {@code mean((prediction - label)^2)}. Shapes as every {@link RegressionLoss} takes them.
 */
public final class MseLoss extends RegressionLoss {

  /** The registry name. */
  public static final String NAME = "mse";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  NDArray elementwise(NDArray diff) {
    return diff.square();
  }
}
