package io.epochal.worker.loss;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.epochal.worker.state.EngineScalars;

/**
 * Softmax cross-entropy on logits, as PyTorch's {@code CrossEntropyLoss()} with class-index
 * targets: {@code mean_i(-log_softmax(prediction_i)[label_i])}. The log-softmax is the engine's
 * numerically stable one (it subtracts the row maximum), so large logits do not overflow.
 *
 * <p>{@code prediction} is {@code [batch, classes]} logits; {@code label} holds class indices
 * stored as floats (the usual DJL dataset form), shaped {@code [batch]} or {@code [batch, 1]};
 * each must be a whole number in {@code [0, classes)}.
 *
 * <p>With label smoothing {@code e > 0}, torch's {@code CrossEntropyLoss(label_smoothing=e)}: the
 * target is {@code 1 - e} on the label and {@code e / classes} on every class, computed as torch
 * does, {@code (1 - e) * nll + (e / classes) * mean_i(-sum_c log_softmax(prediction_i)[c])}.
 */
public final class SoftmaxCrossEntropyLoss implements Loss {

  /** The registry name. */
  public static final String NAME = "softmax_cross_entropy";

  private final double labelSmoothing;

  /** The loss without label smoothing. */
  public SoftmaxCrossEntropyLoss() {
    this(0);
  }

  /** The loss with label smoothing {@code labelSmoothing} in [0, 1] (0 = none). */
  public SoftmaxCrossEntropyLoss(double labelSmoothing) {
    checkArgument(labelSmoothing >= 0 && labelSmoothing <= 1,
        "softmax_cross_entropy label smoothing must be in [0, 1], got %s", labelSmoothing);
    this.labelSmoothing = labelSmoothing;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public NDArray evaluate(NDArray prediction, NDArray label) {
    Shape ps = prediction.getShape();
    Shape ls = label.getShape();
    checkArgument(ps.dimension() == 2 && ps.get(0) > 0 && ps.get(1) > 0,
        "softmax_cross_entropy needs predictions shaped [batch, classes] with batch, classes >= 1, got %s", ps);
    long batch = ps.get(0);
    long classes = ps.get(1);
    checkArgument(ls.equals(new Shape(batch)) || ls.equals(new Shape(batch, 1)),
        "softmax_cross_entropy needs labels shaped [%s] or [%s, 1] (class indices) for predictions %s, got %s",
        batch, batch, ps, ls);
    checkLabels(label, classes);
    try (NDArray index = label.toType(DataType.INT64, false).reshape(batch, 1);
        NDArray logProbs = prediction.logSoftmax(1);
        NDArray picked = logProbs.gather(index, 1);
        NDArray mean = picked.mean()) {
      if (labelSmoothing == 0) {
        return mean.neg();
      }
      try (NDArray nll = mean.neg();
          NDArray rowSums = logProbs.sum(new int[] {1});
          NDArray smoothMean = rowSums.mean();
          NDArray smooth = smoothMean.neg();
          NDArray kept = EngineScalars.times(nll, (float) (1 - labelSmoothing));
          NDArray spread = EngineScalars.times(smooth, (float) (labelSmoothing / classes))) {
        return kept.add(spread);
      }
    }
  }

  private static void checkLabels(NDArray label, long classes) {
    float[] values;
    if (label.getDataType() == DataType.FLOAT32) {
      values = io.epochal.worker.state.TensorConversion.toFloats(label);
    } else {
      try (NDArray f = label.toType(DataType.FLOAT32, true)) {
        values = io.epochal.worker.state.TensorConversion.toFloats(f);
      }
    }
    for (int i = 0; i < values.length; i++) {
      float v = values[i];
      checkArgument(v >= 0 && v < classes && v == Math.rint(v),
          "softmax_cross_entropy label %s at batch index %s is not a class index in [0, %s)", v, i, classes);
    }
  }

  @Override
  public String toString() {
    return labelSmoothing == 0 ? NAME : NAME + "(label_smoothing=" + labelSmoothing + ")";
  }
}
