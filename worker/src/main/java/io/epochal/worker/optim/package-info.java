/**
 * Epochal's stateful optimizers (SGD, Adam, AdamW, RMSprop), following {@code torch.optim}'s equations (not its fused float32
 * operations: results may differ from torch's in the last bits).
 *
 * <p>DJL's own optimizers keep their state private, so Epochal owns its optimizers: every moment
 * and momentum buffer is visible as a PyTorch-named {@link io.epochal.tensor.StateDict}
 * ({@code <param>.step}, {@code <param>.exp_avg}, {@code <param>.exp_avg_sq},
 * {@code <param>.max_exp_avg_sq}, {@code <param>.momentum_buffer}, {@code <param>.square_avg},
 * {@code <param>.grad_avg}) that can be checkpointed,
 * averaged across workers and loaded again. Where one of the PyTorch engine's fused kernels
 * computes exactly torch's equation (Adam and AdamW without amsgrad, SGD without momentum) it is
 * used; everything else runs as plain in-place {@link ai.djl.ndarray.NDArray} operations.
 *
 * <p>Entry points: {@link io.epochal.worker.optim.Optimizers} (names, hyperparameter
 * declarations, creation) and {@link io.epochal.worker.optim.Optimizer} (step, state dict).
 */
package io.epochal.worker.optim;
