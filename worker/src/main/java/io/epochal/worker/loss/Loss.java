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

  /**
   * The loss of {@code prediction} against {@code label} with a weight per sample ({@code data.weight}): the
   * weighted mean {@code sum_i s_i * l_i / sum_i s_i} of the samples' losses {@code l_i} (for a loss that weighs
   * classes too, {@code sum_i s_i * l_i / sum_i s_i * w[label_i]}, torch's weighted mean with {@code s} folded into
   * the weights); {@code sampleWeights} null is {@link #evaluate(NDArray, NDArray)}. A batch whose weights are all 0
   * has loss 0 and no gradient.
   *
   * @throws IllegalArgumentException naming the shapes that do not fit, or a weight count other than the batch's
   */
  NDArray evaluate(NDArray prediction, NDArray label, float[] sampleWeights);
}
