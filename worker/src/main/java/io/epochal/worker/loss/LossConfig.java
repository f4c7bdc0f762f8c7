package io.epochal.worker.loss;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * The loss a job trains and evaluates with: its registry name and its settings, label smoothing
 * ({@code loss.label_smoothing}), class weights ({@code loss.class_weights}), Huber delta ({@code
 * loss.huber_delta}) and smooth L1 beta ({@code loss.smooth_l1_beta}). Immutable and {@link
 * Serializable} (it travels inside a round's configuration); {@link #newLoss()} creates the loss
 * itself on a worker.
 */
public final class LossConfig implements Serializable {

  private static final long serialVersionUID = 1L;

  private final String name;
  private final double labelSmoothing;
  private final double[] classWeights;
  private final double huberDelta;
  private final double smoothL1Beta;

  private LossConfig(Builder b) {
    this.name = checkNotNull(b.name, "loss name");
    this.labelSmoothing = b.labelSmoothing;
    this.classWeights = b.classWeights.clone();
    this.huberDelta = b.huberDelta;
    this.smoothL1Beta = b.smoothL1Beta;
    checkFinite(huberDelta, Double.MIN_VALUE, "the Huber loss's delta must be positive and finite");
    checkFinite(smoothL1Beta, Double.MIN_VALUE, "the smooth L1 loss's beta must be positive and finite");
    checkArgument(labelSmoothing >= 0 && labelSmoothing <= 1, "label smoothing must be in [0, 1], got %s",
        labelSmoothing);
    classWeightsAsFloats(classWeights);
    checkArgument(classWeights.length == 0 || Losses.isClassification(name), "loss %s takes no class weights (a "
        + "regression target has no classes to weigh), got %s; only softmax_cross_entropy does", name,
        Arrays.toString(classWeights));
  }

  private static void checkFinite(double value, double min, String what) {
    checkArgument(value >= min && Double.isFinite(value), "%s, got %s", what, value);
  }

  /**
   * {@code weights} as the float32 values a loss weighs its rows with.
   *
   * @throws IllegalArgumentException naming the class whose weight is not finite and above 0, or
   *     rounds to 0 or infinity in float32
   */
  static float[] classWeightsAsFloats(double[] weights) {
    float[] floats = new float[checkNotNull(weights, "class weights").length];
    for (int c = 0; c < weights.length; c++) {
      floats[c] = (float) weights[c];
      checkArgument(weights[c] > 0 && floats[c] > 0 && Float.isFinite(floats[c]), "the weight of class %s is %s; "
          + "a class weight must be a finite float32 above 0", c, (Double) weights[c]);
    }
    return floats;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Loss {@code name} with torch's defaults (no smoothing, no class weights). */
  public static LossConfig of(String name) {
    return builder().setName(name).build();
  }

  /** The registry name ({@code softmax_cross_entropy}, {@code mse}, ...). */
  public String name() {
    return name;
  }

  /** The label smoothing of {@code softmax_cross_entropy}; 0 = none. */
  public double labelSmoothing() {
    return labelSmoothing;
  }

  /** The weight of each class of {@code softmax_cross_entropy} (a copy); empty = every row weighs the same. */
  public double[] classWeights() {
    return classWeights.clone();
  }

  /** Where loss {@code huber} turns from quadratic to linear (torch's 1.0 by default). */
  public double huberDelta() {
    return huberDelta;
  }

  /** Where loss {@code smooth_l1} turns from quadratic to linear (torch's 1.0 by default). */
  public double smoothL1Beta() {
    return smoothL1Beta;
  }

  /**
   * A new instance of the loss.
   *
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  public Loss newLoss() {
    if (classWeights.length > 0) {
      return new SoftmaxCrossEntropyLoss(labelSmoothing, classWeights);
    }
    return Losses.create(name, labelSmoothing, huberDelta, smoothL1Beta);
  }

  /**
   * What the rows {@code order[start..end)} of {@code labels} (one class index per row) weigh in a
   * mean of their losses: their number, or with class weights the sum of their labels' weights (as
   * float32, as the loss weighs them), which is what a weighted loss divides by.
   */
  public double weightOf(float[] labels, int[] order, int start, int end) {
    if (classWeights.length == 0) {
      return end - start;
    }
    double sum = 0;
    for (int i = start; i < end; i++) {
      float label = labels[order[i]];
      if (!(label >= 0 && label < classWeights.length && label == Math.rint(label))) {
        // the loss refuses the same label; named here first, where its weight is looked up
        throw new IllegalArgumentException("row " + order[i] + " has label " + label + ", not a class index of the "
            + classWeights.length + " classes loss.class_weights weighs (0 to " + (classWeights.length - 1) + ")");
      }
      sum += (float) classWeights[(int) label];
    }
    return sum;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LossConfig c && name.equals(c.name) && Double.compare(labelSmoothing, c.labelSmoothing) == 0
        && Arrays.equals(classWeights, c.classWeights) && Double.compare(huberDelta, c.huberDelta) == 0
        && Double.compare(smoothL1Beta, c.smoothL1Beta) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, labelSmoothing, Arrays.hashCode(classWeights), huberDelta, smoothL1Beta);
  }

  @Override
  public String toString() {
    return name + (labelSmoothing > 0 ? ", labelSmoothing " + labelSmoothing : "")
        + (classWeights.length > 0 ? ", classWeights " + Arrays.toString(classWeights) : "")
        + (huberDelta != HuberLoss.DEFAULT_DELTA ? ", huberDelta " + huberDelta : "")
        + (smoothL1Beta != SmoothL1Loss.DEFAULT_BETA ? ", smoothL1Beta " + smoothL1Beta : "");
  }

  /** Builds a {@link LossConfig}: {@code set*} is required, {@code opt*} optional. */
  public static final class Builder {
    private String name;
    private double labelSmoothing;
    private double[] classWeights = new double[0];
    private double huberDelta = HuberLoss.DEFAULT_DELTA;
    private double smoothL1Beta = SmoothL1Loss.DEFAULT_BETA;

    private Builder() {}

    /** The loss's registry name. */
    public Builder setName(String name) {
      this.name = name;
      return this;
    }

    /** Label smoothing of softmax_cross_entropy, in [0, 1] (default 0: none). */
    public Builder optLabelSmoothing(double labelSmoothing) {
      this.labelSmoothing = labelSmoothing;
      return this;
    }

    /** The weight of each class of softmax_cross_entropy, each above 0 (default none: every row weighs the same). */
    public Builder optClassWeights(double... classWeights) {
      this.classWeights = checkNotNull(classWeights, "classWeights").clone();
      return this;
    }

    /** Where loss huber turns from quadratic to linear (default 1.0, torch's). */
    public Builder optHuberDelta(double huberDelta) {
      this.huberDelta = huberDelta;
      return this;
    }

    /** Where loss smooth_l1 turns from quadratic to linear (default 1.0, torch's). */
    public Builder optSmoothL1Beta(double smoothL1Beta) {
      this.smoothL1Beta = smoothL1Beta;
      return this;
    }

    /**
     * The immutable config.
     *
     * @throws IllegalArgumentException naming the setting out of range, or class weights for a regression loss
     */
    public LossConfig build() {
      return new LossConfig(this);
    }
  }
}
