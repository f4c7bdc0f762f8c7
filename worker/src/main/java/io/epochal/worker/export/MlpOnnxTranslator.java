package io.epochal.worker.export;

import io.epochal.params.HyperParameters;
import java.util.List;

/**
 * {@code mlp} v1 and {@code mlp-offset} v1: {@code Gemm} per {@code nn.Linear} (at
 * {@code layers.0}, {@code layers.3}, ...), the activation after each hidden one, dropout removed,
 * and for {@code mlp-offset} an {@code Add} of the {@code offset} buffer.
 */
public final class MlpOnnxTranslator implements OnnxTranslator {

  /** Required by {@link java.util.ServiceLoader}. */
  public MlpOnnxTranslator() {}

  @Override
  public boolean supports(String name, int version) {
    return version == 1 && (name.equals("mlp") || name.equals("mlp-offset"));
  }

  @Override
  public String translate(HyperParameters resolved, OnnxGraph graph) {
    List<Long> hidden = resolved.getList("hidden", Long.class);
    String activation = resolved.getString("activation");
    String x = graph.input();
    int index = 0;
    for (int i = 0; i < hidden.size(); i++) {
      x = graph.activation(graph.linear(x, "layers." + index), activation);
      index += 3; // the activation and the (removed) dropout occupy the two indices in between
    }
    x = graph.linear(x, "layers." + index);
    return graph.hasTensor("offset") ? graph.addTensor(x, "offset") : x;
  }
}
