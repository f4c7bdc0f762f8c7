/**
 * Models Epochal can train and checkpoint: the {@link io.epochal.worker.model.ModelFactory} SPI
 * found with {@link java.util.ServiceLoader}, the {@link io.epochal.worker.model.ModelRegistry},
 * the {@link io.epochal.worker.model.EpochalModel} contract (PyTorch-named state dicts, seeded
 * initialisation, deterministic dropout), a base class for implementations, a per-thread
 * {@link io.epochal.worker.model.ModelCache} and the engine's thread settings.
 */
package io.epochal.worker.model;
