package io.epochal.driver.config;

import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpec;
import io.epochal.params.ParamType;
import io.epochal.worker.loss.HuberLoss;
import io.epochal.worker.loss.LossConfig;
import io.epochal.worker.loss.Losses;
import io.epochal.worker.loss.SmoothL1Loss;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The settings of a job's loss ({@code loss.label_smoothing}, {@code loss.class_weights}, {@code loss.huber_delta},
 * {@code loss.smooth_l1_beta}): their declarations, how they are read into the workers' {@link LossConfig}, and the
 * class weights' own checks. None is stored at its default, so a job without them reads as one created before they
 * existed.
 */
public final class LossKeys {

  /** Key of the weight of each class of loss softmax_cross_entropy; empty = every row weighs the same. */
  public static final String CLASS_WEIGHTS = "loss.class_weights";

  private LossKeys() {}

  /**
   * The loss {@code values} (a resolved job's or a checkpoint's keys) train with.
   *
   * @throws ConfigException naming {@code loss.class_weights} when its value cannot be read
   */
  static LossConfig lossConfig(HyperParameters values) {
    double[] weights;
    try {
      weights = classWeights(text(values));
    } catch (IllegalArgumentException e) {
      throw new ConfigException(CLASS_WEIGHTS, CLASS_WEIGHTS + " = " + text(values) + ": " + e.getMessage());
    }
    return LossConfig.builder()
        .setName(values.getString(JobKeys.LOSS))
        .optLabelSmoothing(JobKeys.numberOrZero(values, JobKeys.LABEL_SMOOTHING))
        .optClassWeights(weights)
        .optHuberDelta(values.contains(JobKeys.HUBER_DELTA) ? values.getDouble(JobKeys.HUBER_DELTA)
            : HuberLoss.DEFAULT_DELTA)
        .optSmoothL1Beta(values.contains(JobKeys.SMOOTH_L1_BETA) ? values.getDouble(JobKeys.SMOOTH_L1_BETA)
            : SmoothL1Loss.DEFAULT_BETA)
        .build();
  }

  /** {@code loss.class_weights} as written; empty when absent. */
  public static String text(HyperParameters values) {
    return values.contains(CLASS_WEIGHTS) ? values.getString(CLASS_WEIGHTS).trim() : "";
  }

  /**
   * The weights of {@code text}: comma-separated numbers, the weight of class 0 first; blank = none.
   *
   * @throws IllegalArgumentException naming the entry that is not a number, or the class whose weight is not finite
   *     and above 0
   */
  static double[] classWeights(String text) {
    return classWeights(text, false);
  }

  /**
   * As {@link #classWeights(String)}; with {@code decimalOnly}, each weight must be a decimal number as Python reads
   * one ({@link io.epochal.params.ParamType#parseDecimal}): for a value given anew (one a job stored with Java's
   * {@code 2f} form reads as it was stored).
   */
  static double[] classWeights(String text, boolean decimalOnly) {
    if (text.isBlank()) {
      return new double[0];
    }
    String[] entries = text.split(",", -1);
    double[] weights = new double[entries.length];
    for (int c = 0; c < entries.length; c++) {
      String entry = entries[c].trim();
      try {
        weights[c] = decimalOnly ? io.epochal.params.ParamType.parseDecimal(entry) : Double.parseDouble(entry);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("the weight of class " + c + " is '" + entry + "', not a number (write "
            + "one number per class, class 0 first: 1,4.5,1)");
      }
      if (!(weights[c] > 0) || !Double.isFinite(weights[c]) || (float) weights[c] == 0
          || Float.isInfinite((float) weights[c])) {
        throw new IllegalArgumentException("the weight of class " + c + " is " + entry + "; a class weight must be "
            + "finite and above 0 (torch allows 0, but a batch of such rows alone would divide by 0)");
      }
    }
    return weights;
  }

  /**
   * The problem of {@code loss.class_weights} in {@code values}, if any: a value that is not one number above 0 per
   * class, or weights for a regression loss.
   */
  static Optional<ConfigException> problem(HyperParameters values, Map<String, SpecValidator.Sourced> raw) {
    String text = text(values);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    SpecValidator.Sourced given = raw.get(CLASS_WEIGHTS);
    String named = CLASS_WEIGHTS + " = " + text + (given == null ? "" : " (from " + given.source + ")");
    if (!Losses.isClassification(values.getString(JobKeys.LOSS))) {
      return Optional.of(new ConfigException(CLASS_WEIGHTS, named + " weighs classes, but loss = "
          + values.getString(JobKeys.LOSS) + " has none (only softmax_cross_entropy does): remove it"));
    }
    try {
      classWeights(text, given != null && given.text);
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.of(new ConfigException(CLASS_WEIGHTS, named + ": " + e.getMessage()));
    }
  }

  /**
   * The {@code loss.class_weights} value that weighs classes of {@code counts} rows equally: rows / (classes x the
   * class's rows), scikit-learn's {@code compute_class_weight("balanced")}, each to 6 significant digits; empty when
   * a class has no rows.
   */
  public static Optional<String> balancedWeights(long[] counts) {
    long rows = java.util.Arrays.stream(counts).sum();
    StringBuilder text = new StringBuilder();
    for (long count : counts) {
      if (count == 0) {
        return Optional.empty();
      }
      double weight = (double) rows / ((double) counts.length * count);
      text.append(text.length() == 0 ? "" : ",").append(Decimals.sixDigits(weight));
    }
    return Optional.of(text.toString());
  }

  /**
   * What is wrong with {@code weights} class weights for model {@code model} v{@code version} of {@code outputs}
   * outputs, said after the key and its value.
   */
  public static String countMismatch(int weights, String model, long version, int outputs) {
    return " gives " + weights + " class weights but model " + model + " v" + version + " predicts " + outputs
        + " classes: give one weight per class, class 0 first";
  }

  /** What is wrong with regression loss {@code loss} on model {@code model} v{@code version} of {@code outputs}. */
  public static String regressionOutputs(String loss, String model, long version, int outputs) {
    return "loss = " + loss + " compares one numeric label per row with one model output, but model " + model + " v"
        + version + " has " + outputs + " outputs; for regression give the model one output (e.g. "
        + "model.output_dim=1), for classification use loss=softmax_cross_entropy";
  }

  /** Whether {@code value} of loss key {@code key} is none, which is not stored. */
  static boolean storedAsAbsent(String key, Object value) {
    return key.equals(CLASS_WEIGHTS) && value.toString().isBlank();
  }

  /**
   * Adds the declarations of {@code loss.huber_delta}, {@code loss.smooth_l1_beta}, {@code loss.label_smoothing} and
   * {@code loss.class_weights}.
   */
  static void declare(List<ParamSpec> s) {
    s.add(ParamSpec.builder(JobKeys.HUBER_DELTA, ParamType.DOUBLE).optDefault(HuberLoss.DEFAULT_DELTA)
        .optMinExclusive(0.0).optDoc("Where loss huber turns from quadratic to linear, as "
            + "torch.nn.HuberLoss(delta=...): 0.5 * d^2 for |d| < delta, else delta * (|d| - 0.5 * delta). Read only "
            + "by loss huber; 1, torch's default, is not stored.").build());
    s.add(ParamSpec.builder(JobKeys.SMOOTH_L1_BETA, ParamType.DOUBLE).optDefault(SmoothL1Loss.DEFAULT_BETA)
        .optMinExclusive(0.0).optDoc("Where loss smooth_l1 turns from quadratic to linear, as "
            + "torch.nn.SmoothL1Loss(beta=...): 0.5 * d^2 / beta for |d| < beta, else |d| - 0.5 * beta (torch's beta 0 "
            + "is loss l1). Read only by loss smooth_l1; 1, torch's default, is not stored.").build());
    s.add(ParamSpec.builder(JobKeys.LABEL_SMOOTHING, ParamType.DOUBLE).optDefault(0.0).optMin(0.0).optMax(1.0)
        .optDoc("Label smoothing of loss softmax_cross_entropy, as torch.nn.CrossEntropyLoss(label_smoothing=...): "
            + "the target is 1 - e on the label and e / classes on every class. The held-out rows' val_loss and "
            + "evaluate's loss are the same loss. 0 = none (a job created before this key existed has none); "
            + "loss mse takes none.").build());
    s.add(ParamSpec.builder(CLASS_WEIGHTS, ParamType.STRING).optDefault("").optDoc("Weight of each class of loss "
        + "softmax_cross_entropy, as torch.nn.CrossEntropyLoss(weight=torch.tensor([...])) for imbalanced classes: "
        + "comma-separated numbers above 0, class 0 first, one per output of the model (1,4.5,1). A mini-batch's "
        + "loss is its rows' weighted mean, sum(w[y] * loss) / sum(w[y]), as torch's; each worker weighs its own "
        + "mini-batch and the workers' states are averaged by rows, as DistributedDataParallel averages its "
        + "replicas' gradients. val_loss and evaluate's loss are the weighted mean over all held-out rows; the "
        + "training loss is the batches' losses averaged by rows. Empty = every row "
        + "weighs the same.").build());
  }
}
