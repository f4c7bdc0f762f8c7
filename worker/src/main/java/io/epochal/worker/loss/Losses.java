package io.epochal.worker.loss;

import static com.google.common.base.Preconditions.checkArgument;

import io.epochal.params.ParamSpecs;
import java.util.List;

/** The loss registry: {@code softmax_cross_entropy} and {@code mse}. */
public final class Losses {

  /** Known loss names. */
  public static final List<String> NAMES = List.of(SoftmaxCrossEntropyLoss.NAME, MseLoss.NAME);

  private Losses() {}

  /**
   * The loss named {@code name}.
   *
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  public static Loss create(String name) {
    return create(name, 0);
  }

  /**
   * The loss named {@code name} with label smoothing {@code labelSmoothing} (in [0, 1]; only
   * {@code softmax_cross_entropy} takes one above 0, as only torch's {@code CrossEntropyLoss} does).
   *
   * @throws IllegalArgumentException for an unknown name, a smoothing out of range, or a smoothing
   *     above 0 for {@code mse}
   */
  public static Loss create(String name, double labelSmoothing) {
    if (SoftmaxCrossEntropyLoss.NAME.equals(name)) {
      return new SoftmaxCrossEntropyLoss(labelSmoothing);
    } else if (MseLoss.NAME.equals(name)) {
      checkArgument(labelSmoothing == 0, "loss mse takes no label smoothing (a regression target has no classes to "
          + "smooth over), got %s; only softmax_cross_entropy does", labelSmoothing);
      return new MseLoss();
    }
    String near = name == null ? null : ParamSpecs.nearest(name, NAMES);
    throw new IllegalArgumentException("unknown loss '" + name + "'"
        + (near == null ? "" : " (did you mean '" + near + "'?)") + "; known losses: " + String.join(", ", NAMES));
  }
}
