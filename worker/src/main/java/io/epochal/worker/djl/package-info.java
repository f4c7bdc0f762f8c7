/**
 * Epochal models as DJL models: {@link io.epochal.worker.djl.EpochalBlock} adapts an
 * {@link io.epochal.worker.model.EpochalModel} to DJL's {@code Block} (its parameters saved and
 * loaded as the PyTorch-named state dict), and {@link io.epochal.worker.djl.DjlModelDirectory}
 * writes and loads the model directory that {@code epochal export --format djl} produces.
 */
package io.epochal.worker.djl;
