package io.epochal.driver.train;

import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.round.TrainingConfig;

/**
 * What a job's data must fit: its model's input shape, output count and smallest training batch.
 *
 * @param input the shape of one sample's features
 * @param outputs the model's outputs (classes, for a classification)
 * @param minBatch the fewest rows a training batch may hold (2 for a model with BatchNorm)
 */
record ModelShape(long[] input, int outputs, int minBatch) {

  /** The shape of {@code config}'s model, from one instance built and closed here. */
  static ModelShape of(TrainingConfig config) {
    try (EpochalModel model = ModelRegistry.getDefault().create(config.modelName(), config.modelVersion(),
        config.modelParams())) {
      return new ModelShape(model.inputShape(), model.outputSize(), model.minTrainingBatch());
    }
  }
}
