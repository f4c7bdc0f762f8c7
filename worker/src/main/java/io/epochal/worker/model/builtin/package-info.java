/**
 * The built-in models, registered through {@code META-INF/services}: {@code mlp} v1
 * ({@link io.epochal.worker.model.builtin.MlpFactory}), {@code cnn} v1
 * ({@link io.epochal.worker.model.builtin.CnnFactory}) and {@code mlp-offset} v1
 * ({@link io.epochal.worker.model.builtin.MlpOffsetFactory}). Each state dict loads into the
 * {@code torch.nn} module written out in {@code worker/MODELS.md}.
 */
package io.epochal.worker.model.builtin;
