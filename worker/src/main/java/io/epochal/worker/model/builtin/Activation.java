package io.epochal.worker.model.builtin;

import ai.djl.ndarray.NDArray;
import java.util.Locale;

/** The element-wise activations an MLP may use, named as in hyperparameters. */
enum Activation {
  /** {@code nn.ReLU()}. */
  RELU("nn.ReLU()"),
  /** {@code nn.Tanh()}. */
  TANH("nn.Tanh()"),
  /** {@code nn.GELU()} (exact, erf-based: PyTorch's default {@code approximate='none'}). */
  GELU("nn.GELU()"),
  /** {@code nn.Sigmoid()}. */
  SIGMOID("nn.Sigmoid()");

  private final String torch;

  Activation(String torch) {
    this.torch = torch;
  }

  /** The hyperparameter value, e.g. {@code relu}. */
  String key() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The equivalent torch module expression. */
  String torchModule() {
    return torch;
  }

  static Activation of(String key) {
    return valueOf(key.toUpperCase(Locale.ROOT));
  }

  NDArray apply(NDArray x) {
    switch (this) {
      case RELU:
        return ai.djl.nn.Activation.relu(x);
      case TANH:
        return ai.djl.nn.Activation.tanh(x);
      case GELU:
        return ai.djl.nn.Activation.gelu(x);
      case SIGMOID:
        return ai.djl.nn.Activation.sigmoid(x);
      default:
        throw new AssertionError(this);
    }
  }
}
