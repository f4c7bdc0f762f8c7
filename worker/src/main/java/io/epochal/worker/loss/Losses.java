package io.epochal.worker.loss;

import static com.google.common.base.Preconditions.checkArgument;

import io.epochal.params.ParamSpecs;
import java.util.List;

/**
 * The loss registry: {@code softmax_cross_entropy} for classification; {@code mse}, {@code l1}, {@code huber} and
 * {@code smooth_l1} for regression.
 */
public final class Losses {

  /** Known loss names. */
  public static final List<String> NAMES =
      List.of(SoftmaxCrossEntropyLoss.NAME, MseLoss.NAME, L1Loss.NAME, HuberLoss.NAME, SmoothL1Loss.NAME);

  private Losses() {}

  /**
   * Whether loss {@code name} takes class indices as labels and its jobs count correct predictions
   * (accuracy): {@code softmax_cross_entropy}; the others are regression losses.
   */
  public static boolean isClassification(String name) {
    return SoftmaxCrossEntropyLoss.NAME.equals(name);
  }

  /**
   * The loss named {@code name}, with torch's defaults.
   *
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  public static Loss create(String name) {
    return create(name, 0, HuberLoss.DEFAULT_DELTA);
  }

  /**
   * The loss named {@code name} with label smoothing {@code labelSmoothing} and torch's Huber
   * {@code delta}; see {@link #create(String, double, double)}.
   */
  public static Loss create(String name, double labelSmoothing) {
    return create(name, labelSmoothing, HuberLoss.DEFAULT_DELTA);
  }

  /**
   * The loss named {@code name} with label smoothing {@code labelSmoothing} (in [0, 1]; only
   * {@code softmax_cross_entropy} takes one above 0, as only torch's {@code CrossEntropyLoss} does)
   * and, for {@code huber}, {@code huberDelta} (only {@code huber} reads it).
   *
   * @throws IllegalArgumentException for an unknown name, a value out of range, or a smoothing
   *     above 0 for a regression loss
   */
  public static Loss create(String name, double labelSmoothing, double huberDelta) {
    return create(name, labelSmoothing, huberDelta, SmoothL1Loss.DEFAULT_BETA);
  }

  /**
   * As {@link #create(String, double, double)}, with {@code smoothL1Beta} for {@code smooth_l1} (only {@code
   * smooth_l1} reads it; positive).
   *
   * @throws IllegalArgumentException for an unknown name, a value out of range, or a smoothing
   *     above 0 for a regression loss
   */
  public static Loss create(String name, double labelSmoothing, double huberDelta, double smoothL1Beta) {
    if (SoftmaxCrossEntropyLoss.NAME.equals(name)) {
      return new SoftmaxCrossEntropyLoss(labelSmoothing);
    }
    if (NAMES.contains(name)) {
      checkArgument(labelSmoothing == 0, "loss %s takes no label smoothing (a regression target has no classes to "
          + "smooth over), got %s; only softmax_cross_entropy does", name, labelSmoothing);
      switch (name) {
        case MseLoss.NAME:
          return new MseLoss();
        case L1Loss.NAME:
          return new L1Loss();
        case SmoothL1Loss.NAME:
          return new SmoothL1Loss(smoothL1Beta);
        default:
          return new HuberLoss(huberDelta);
      }
    }
    String near = name == null ? null : ParamSpecs.nearest(name, NAMES);
    throw new IllegalArgumentException("unknown loss '" + name + "'"
        + (near == null ? "" : " (did you mean '" + near + "'?)") + "; known losses: " + String.join(", ", NAMES));
  }
}
