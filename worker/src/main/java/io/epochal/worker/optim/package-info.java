/**
 * Epochal's stateful optimizers (SGD, Adam, AdamW, RMSprop), following {@code torch.optim}'s equations (not its fused float32
 * operations: results may differ from torch's in the last bits).
 *
 * <p>DJL's own optimizers keep their state private, so Epochal owns its optimizers: every moment
 * and momentum buffer is visible as a PyTorch-named {@link io.epochal.tensor.StateDict}
 * ({@code <param>.step}, {@code <param>.exp_avg}, {@code <param>.exp_avg_sq},
 * {@code <param>.max_exp_avg_sq}, {@code <param>.momentum_buffer}, {@code <param>.square_avg},
 * {@code <param>.grad_avg}) that can be checkpointed,
 * averaged across workers and loaded again. SGD without momentum runs the PyTorch engine's SGD
 * kernel, torch's equation rounded twice where torch fuses its multiply-add (the last bit may
 * differ); Adam and AdamW run an exact host loop on the CPU
 * (the engine's fused Adam kernel forms {@code 1 - beta} in float32, so by default it is used only
 * where that stays within 1e-6 of torch's equations and the host loop cannot update the arrays:
 * {@link io.epochal.worker.optim.Adam.FusedKernel}); everything else runs
 * as plain in-place {@link ai.djl.ndarray.NDArray} operations.
 *
 * <p>Entry points: {@link io.epochal.worker.optim.Optimizers} (names, hyperparameter
 * declarations, creation) and {@link io.epochal.worker.optim.Optimizer} (step, state dict).
 */
package io.epochal.worker.optim;
