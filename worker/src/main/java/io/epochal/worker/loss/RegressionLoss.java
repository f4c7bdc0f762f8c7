package io.epochal.worker.loss;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.epochal.worker.state.EngineScalars;

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
    return evaluate(prediction, label, null);
  }

  /**
   * With sample weights, each row's loss is the mean of its elements' and the batch's is the rows' weighted mean:
   * in torch, {@code (loss(prediction, label, reduction="none").reshape(n, -1).mean(1) * s).sum() / s.sum()}.
   */
  @Override
  public final NDArray evaluate(NDArray prediction, NDArray label, float[] sampleWeights) {
    Shape p = prediction.getShape();
    Shape l = label.getShape();
    boolean column = p.dimension() == 2 && p.get(1) == 1 && l.dimension() == 1 && l.get(0) == p.get(0);
    checkArgument((p.equals(l) || column) && p.size() > 0,
        "%s needs a non-empty label of the prediction's shape %s (or [n] for a prediction of [n, 1]), got %s",
        name(), p, l);
    checkArgument(sampleWeights == null || p.dimension() > 0 && sampleWeights.length == p.get(0),
        "%s needs one sample weight per row of the prediction %s, got %s", name(), p,
        sampleWeights == null ? 0 : sampleWeights.length);
    NDArray converted = label.getDataType() == prediction.getDataType()
        ? null : label.toType(prediction.getDataType(), false);
    NDArray target = converted == null ? label : converted;
    NDArray reshaped = column ? target.reshape(p) : null;
    try (NDArray diff = prediction.sub(reshaped == null ? target : reshaped);
        NDArray each = elementwise(diff)) {
      return sampleWeights == null ? each.mean() : weightedMean(each, sampleWeights);
    } finally {
      if (reshaped != null) {
        reshaped.close();
      }
      if (converted != null) {
        converted.close();
      }
    }
  }

  /** The mean of each row of {@code each}, weighted by {@code sampleWeights}; 0 when every weight is 0. */
  private static NDArray weightedMean(NDArray each, float[] sampleWeights) {
    long rows = sampleWeights.length;
    boolean anyWeight = false;
    for (float w : sampleWeights) {
      anyWeight |= w > 0;
    }
    NDManager manager = each.getManager();
    try (NDArray byRow = each.reshape(rows, -1);
        NDArray rowMeans = byRow.mean(new int[] {1});
        // engine-owned (EngineScalars): backward reads the weights and the total after they are closed here
        NDArray weights = EngineScalars.copyOf(manager, sampleWeights, new Shape(rows));
        NDArray weighted = rowMeans.mul(weights);
        NDArray sum = weighted.sum();
        // a batch of weight 0 alone: every term is 0, and so is its loss (torch would divide 0 by 0)
        NDArray total = anyWeight ? weights.sum() : EngineScalars.of(each, 1f)) {
      return sum.div(total);
    }
  }

  @Override
  public String toString() {
    return name();
  }
}
