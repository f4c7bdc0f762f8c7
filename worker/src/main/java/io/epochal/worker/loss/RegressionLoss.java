package io.epochal.worker.loss;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * A regression loss: the mean over all elements of an element-wise loss of {@code prediction -
 * label}, as PyTorch's {@code MSELoss}, {@code L1Loss} and {@code HuberLoss} with mean reduction.
 * Shapes must be equal (no broadcasting), with one exception: a label of one target per sample,
 * {@code [n]}, goes with a prediction of {@code [n, 1]} (a regression model's single output), as the
 * label viewed as {@code [n, 1]}. (PyTorch would broadcast those two shapes to {@code [n, n]},
 * silently comparing every prediction with every label.) A label of another dtype is converted to
 * the prediction's.
 */
abstract class RegressionLoss implements Loss {

  /**
   * The element-wise loss of {@code diff} (prediction - label), to be averaged; created in
   * {@code diff}'s manager. Temporaries it makes are closed by it.
   */
  abstract NDArray elementwise(NDArray diff);

  @Override
  public final NDArray evaluate(NDArray prediction, NDArray label) {
    Shape p = prediction.getShape();
    Shape l = label.getShape();
    boolean column = p.dimension() == 2 && p.get(1) == 1 && l.dimension() == 1 && l.get(0) == p.get(0);
    checkArgument((p.equals(l) || column) && p.size() > 0,
        "%s needs a non-empty label of the prediction's shape %s (or [n] for a prediction of [n, 1]), got %s",
        name(), p, l);
    NDArray converted = label.getDataType() == prediction.getDataType()
        ? null : label.toType(prediction.getDataType(), false);
    NDArray target = converted == null ? label : converted;
    NDArray reshaped = column ? target.reshape(p) : null;
    try (NDArray diff = prediction.sub(reshaped == null ? target : reshaped);
        NDArray each = elementwise(diff)) {
      return each.mean();
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
    return name();
  }
}
