package io.epochal.worker.loss;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Mean squared error over all elements, as PyTorch's {@code MSELoss()}:
 * {@code mean((prediction - label)^2)}. Shapes must be equal (no broadcasting), with one
 * exception: a label of one target per sample, {@code [n]}, goes with a prediction of
 * {@code [n, 1]} (a regression model's single output), as the label viewed as {@code [n, 1]}.
 * (PyTorch would broadcast those two shapes to {@code [n, n]}, silently comparing every
 * prediction with every label.) A label of another dtype is converted to the prediction's.
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
    Shape p = prediction.getShape();
    Shape l = label.getShape();
    boolean column = p.dimension() == 2 && p.get(1) == 1 && l.dimension() == 1 && l.get(0) == p.get(0);
    checkArgument((p.equals(l) || column) && p.size() > 0,
        "mse needs a non-empty label of the prediction's shape %s (or [n] for a prediction of [n, 1]), got %s", p, l);
    NDArray converted = label.getDataType() == prediction.getDataType()
        ? null : label.toType(prediction.getDataType(), false);
    NDArray target = converted == null ? label : converted;
    NDArray reshaped = column ? target.reshape(p) : null;
    try (NDArray diff = prediction.sub(reshaped == null ? target : reshaped);
        NDArray squared = diff.square()) {
      return squared.mean();
    } finally {
      if (reshaped != null) {
        reshaped.close();
      }
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
