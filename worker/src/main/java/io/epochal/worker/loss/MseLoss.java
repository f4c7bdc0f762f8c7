package io.epochal.worker.loss;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;

/**
 * Mean squared error over all elements, as PyTorch's {@code MSELoss()}:
 * {@code mean((prediction - label)^2)}. Shapes must be equal (no broadcasting); a label of
 * another dtype is converted to the prediction's.
 */
public final class MseLoss implements Loss {

  /** The registry name. */
  public static final String NAME = "mse";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public NDArray evaluate(NDArray prediction, NDArray label) {
    checkArgument(prediction.getShape().equals(label.getShape()) && prediction.getShape().size() > 0,
        "mse needs a non-empty label of the prediction's shape %s, got %s", prediction.getShape(), label.getShape());
    NDArray converted = label.getDataType() == prediction.getDataType()
        ? null : label.toType(prediction.getDataType(), false);
    try (NDArray diff = prediction.sub(converted == null ? label : converted);
        NDArray squared = diff.square()) {
      return squared.mean();
    } finally {
      if (converted != null) {
        converted.close();
      }
    }
  }

  @Override
  public String toString() {
    return NAME;
  }
}
