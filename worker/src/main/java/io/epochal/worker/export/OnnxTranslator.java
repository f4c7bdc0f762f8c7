package io.epochal.worker.export;

import io.epochal.params.HyperParameters;

/**
 * Translates one model (a name and version of the {@link io.epochal.worker.model.ModelRegistry})
 * into ONNX nodes, from its resolved hyperparameters and state dict, in evaluation mode (dropout
 * removed, BatchNorm with running statistics). Found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/io.epochal.worker.export.OnnxTranslator}); implementations have a public
 * no-argument constructor and are stateless.
 */
public interface OnnxTranslator {

  /** Whether this translates {@code name} at {@code version}. */
  boolean supports(String name, int version);

  /**
   * Adds the model's nodes to {@code graph}, starting from {@link OnnxGraph#input()}.
   *
   * @param resolved the model's resolved hyperparameters (defaults filled in)
   * @return the name of the value holding the output {@code [batch, outputs]}
   * @throws UntranslatableModelException naming a part of the model that has no translation
   */
  String translate(HyperParameters resolved, OnnxGraph graph);
}
