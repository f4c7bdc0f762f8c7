package io.epochal.worker.loss;

import ai.djl.ndarray.NDArray;

/** A training loss with mean reduction over the batch. Implementations are stateless. */
public interface Loss {

  /** The registry name, e.g. {@code mse}. */
  String name();

  /**
   * The loss of {@code prediction} against {@code label}: a 0-d float32 array (shape {@code []}),
   * the mean over the batch, differentiable with respect to {@code prediction} inside a
   * {@code GradientCollector}. It is created in {@code prediction}'s manager.
   *
   * @throws IllegalArgumentException naming the shapes (or label value) that do not fit
   */
  NDArray evaluate(NDArray prediction, NDArray label);
}
