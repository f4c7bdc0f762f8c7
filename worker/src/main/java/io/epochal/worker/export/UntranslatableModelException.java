package io.epochal.worker.export;

/**
 * A model, layer, activation or tensor that has no ONNX translation; the message names it. A
 * caller's mistake (asking to export what cannot be exported), hence unchecked.
 */
public final class UntranslatableModelException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  /**
   * @param what the untranslatable thing, e.g. {@code model example-linear v1} or {@code activation 'swish'}
   */
  public UntranslatableModelException(String what) {
    super("cannot translate " + what + " to ONNX: no translation exists for it. Export a model that has an "
        + "OnnxTranslator (built in: mlp v1, mlp-offset v1, cnn v1), or register one in "
        + "META-INF/services/" + OnnxTranslator.class.getName());
  }
}
