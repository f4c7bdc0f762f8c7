package io.epochal.worker.loss;

import ai.djl.ndarray.NDArray;

/**
 * Mean absolute error over all elements, as PyTorch's {@code L1Loss()}:
 * {@code mean(|prediction - label|)}; its gradient is {@code sign(prediction - label) / count},
 * 0 where they are equal (torch's {@code abs} backward). Shapes as every {@link RegressionLoss}
 * takes them.
 */
public final class L1Loss extends RegressionLoss {

  /** The registry name. */
  public static final String NAME = "l1";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  NDArray elementwise(NDArray diff) {
    return diff.abs();
  }
}
