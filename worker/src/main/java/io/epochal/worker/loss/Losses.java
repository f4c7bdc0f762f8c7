package io.epochal.worker.loss;

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
    if (SoftmaxCrossEntropyLoss.NAME.equals(name)) {
      return new SoftmaxCrossEntropyLoss();
    } else if (MseLoss.NAME.equals(name)) {
      return new MseLoss();
    }
    String near = name == null ? null : ParamSpecs.nearest(name, NAMES);
    throw new IllegalArgumentException("unknown loss '" + name + "'"
        + (near == null ? "" : " (did you mean '" + near + "'?)") + "; known losses: " + String.join(", ", NAMES));
  }
}
