/**
 * The exponential moving average (EMA) of a model's tensors that a job keeps beside the trained ones
 * ({@code train.ema_decay}): updated after every optimizer step, carried through rounds and aggregation as
 * {@code ema.}-prefixed tensors of the combined state, and checkpointed as {@code ema.safetensors}, a state dict
 * of the same names as {@code model.safetensors}. Entry point: {@link io.epochal.worker.ema.ModelEma}.
 */
package io.epochal.worker.ema;
