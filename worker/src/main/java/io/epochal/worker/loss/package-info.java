/**
 * Training losses as differentiable scalar {@link ai.djl.ndarray.NDArray}s, matching PyTorch's
 * {@code CrossEntropyLoss}, {@code MSELoss}, {@code L1Loss} and {@code HuberLoss} with mean
 * reduction. Entry point: {@link io.epochal.worker.loss.Losses}.
 */
package io.epochal.worker.loss;
