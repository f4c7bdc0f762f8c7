/**
 * Training losses as differentiable scalar {@link ai.djl.ndarray.NDArray}s, matching PyTorch's
 * {@code CrossEntropyLoss} and {@code MSELoss} with mean reduction. Entry point:
 * {@link io.epochal.worker.loss.Losses}.
 */
package io.epochal.worker.loss;
