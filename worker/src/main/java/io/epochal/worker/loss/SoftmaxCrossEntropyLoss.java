package io.epochal.worker.loss;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
 *
 * <p>With class weights {@code w}, torch's {@code CrossEntropyLoss(weight=w)}: the mean over the batch is weighted
 * by the rows' label weights, {@code sum_i w[label_i] * nll_i / sum_i w[label_i]}; with label smoothing the uniform
 * part is {@code sum_i -sum_c w[c] log_softmax(prediction_i)[c] / sum_i w[label_i]}, as torch computes it.
 *
 * <p>With sample weights {@code s} ({@code data.weight}), each row's term is multiplied by {@code s_i} and the
 * divisor is {@code sum_i s_i * w[label_i]}: in torch, {@code (F.cross_entropy(prediction, label, weight=w,
 * label_smoothing=e, reduction="none") * s).sum() / (s * w[label]).sum()}.
 */
public final class SoftmaxCrossEntropyLoss implements Loss {

  /** The registry name. */
  public static final String NAME = "softmax_cross_entropy";

  private final double labelSmoothing;
  /** The weight of each class; empty = every row weighs the same. */
  private final float[] classWeights;

  /** The loss without label smoothing. */
  public SoftmaxCrossEntropyLoss() {
    this(0);
  }

  /** The loss with label smoothing {@code labelSmoothing} in [0, 1] (0 = none). */
  public SoftmaxCrossEntropyLoss(double labelSmoothing) {
    this(labelSmoothing, new double[0]);
  }

  /**
   * The loss with label smoothing {@code labelSmoothing} in [0, 1] (0 = none) and a weight per class, each finite and
   * above 0 (empty = none), held as float32 as torch holds its {@code weight} tensor.
   */
  public SoftmaxCrossEntropyLoss(double labelSmoothing, double[] classWeights) {
    checkArgument(labelSmoothing >= 0 && labelSmoothing <= 1,
        "softmax_cross_entropy label smoothing must be in [0, 1], got %s", labelSmoothing);
    this.labelSmoothing = labelSmoothing;
    this.classWeights = LossConfig.classWeightsAsFloats(classWeights);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public NDArray evaluate(NDArray prediction, NDArray label) {
    return evaluate(prediction, label, null);
  }

  @Override
  public NDArray evaluate(NDArray prediction, NDArray label, float[] sampleWeights) {
    Shape ps = prediction.getShape();
    Shape ls = label.getShape();
    checkArgument(ps.dimension() == 2 && ps.get(0) > 0 && ps.get(1) > 0,
        "softmax_cross_entropy needs predictions shaped [batch, classes] with batch, classes >= 1, got %s", ps);
    long batch = ps.get(0);
    long classes = ps.get(1);
    checkArgument(ls.equals(new Shape(batch)) || ls.equals(new Shape(batch, 1)),
        "softmax_cross_entropy needs labels shaped [%s] or [%s, 1] (class indices) for predictions %s, got %s",
        batch, batch, ps, ls);
    checkArgument(sampleWeights == null || sampleWeights.length == batch,
        "softmax_cross_entropy needs one sample weight per row of predictions %s, got %s", ps,
        sampleWeights == null ? 0 : sampleWeights.length);
    float[] labels = checkLabels(label, classes);
    if (classWeights.length > 0) {
      checkArgument(classWeights.length == classes, "softmax_cross_entropy has %s class weights (loss.class_weights) "
          + "but the predictions %s have %s classes; give one weight per class", classWeights.length, ps, classes);
    }
    if (classWeights.length > 0 || sampleWeights != null) {
      return weighted(prediction, label, labels, sampleWeights);
    }
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

  /**
   * torch's {@code CrossEntropyLoss(weight=classWeights, label_smoothing=labelSmoothing)} of one batch, each row also
   * weighed by its sample weight when {@code samples} is not null: {@code sum_i s_i * none_i / sum_i s_i * w[y_i]},
   * where {@code none_i} is that loss's {@code reduction="none"} value of row {@code i} (w = 1 without class weights).
   */
  private NDArray weighted(NDArray prediction, NDArray label, float[] labels, float[] samples) {
    long batch = labels.length;
    float[] rowWeights = new float[labels.length];
    boolean anyWeight = false;
    for (int i = 0; i < labels.length; i++) {
      float w = classWeights.length > 0 ? classWeights[(int) labels[i]] : 1f;
      rowWeights[i] = samples == null ? w : samples[i] * w;
      anyWeight |= rowWeights[i] > 0;
    }
    NDManager manager = prediction.getManager();
    try (NDArray index = label.toType(DataType.INT64, false).reshape(batch, 1);
        NDArray logProbs = prediction.logSoftmax(1);
        NDArray picked = logProbs.gather(index, 1);
        // engine-owned (EngineScalars): backward reads the weights and the total after they are closed here
        NDArray weights = EngineScalars.copyOf(manager, rowWeights, new Shape(batch, 1));
        // a batch of weight 0 alone: every term is 0, and so is its loss (torch would divide 0 by 0)
        NDArray total = anyWeight ? weights.sum() : EngineScalars.of(prediction, 1f);
        NDArray weightedPicks = picked.mul(weights);
        NDArray pickSum = weightedPicks.sum();
        NDArray mean = pickSum.div(total)) {
      if (labelSmoothing == 0) {
        return mean.neg();
      }
      try (NDArray nll = mean.neg();
          NDArray classRow = classWeights.length == 0 ? null
              : EngineScalars.copyOf(manager, classWeights, new Shape(1, classWeights.length));
          NDArray byClass = classRow == null ? null : logProbs.mul(classRow);
          NDArray sampleColumn = samples == null ? null : EngineScalars.copyOf(manager, samples, new Shape(batch, 1));
          NDArray bySample = sampleColumn == null ? null : (byClass == null ? logProbs : byClass).mul(sampleColumn);
          NDArray smoothSum = (bySample != null ? bySample : byClass).sum();
          NDArray smoothMean = smoothSum.div(total);
          NDArray smooth = smoothMean.neg();
          NDArray kept = EngineScalars.times(nll, (float) (1 - labelSmoothing));
          NDArray spread = EngineScalars.times(smooth, (float) (labelSmoothing / prediction.getShape().get(1)))) {
        return kept.add(spread);
      }
    }
  }

  private static float[] checkLabels(NDArray label, long classes) {
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
    return values;
  }

  @Override
  public String toString() {
    String weights = classWeights.length == 0 ? "" : "weight=" + java.util.Arrays.toString(classWeights);
    String smoothing = labelSmoothing == 0 ? "" : "label_smoothing=" + labelSmoothing;
    return weights.isEmpty() && smoothing.isEmpty() ? NAME
        : NAME + "(" + weights + (weights.isEmpty() || smoothing.isEmpty() ? "" : ", ") + smoothing + ")";
  }
}
