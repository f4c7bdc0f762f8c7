package io.epochal.worker.export;

import io.epochal.params.HyperParameters;

/**
 * {@code cnn} v1: {@code Conv} - {@code BatchNormalization} (inference form) - {@code Relu} -
 * {@code MaxPool} 2 - {@code Conv} - {@code BatchNormalization} - {@code Relu} -
 * {@code GlobalAveragePool} - {@code Flatten} - {@code Gemm}.
 */
public final class CnnOnnxTranslator implements OnnxTranslator {

  private static final double BN_EPS = 1e-5;

  /** Required by {@link java.util.ServiceLoader}. */
  public CnnOnnxTranslator() {}

  @Override
  public boolean supports(String name, int version) {
    return version == 1 && name.equals("cnn");
  }

  @Override
  public String translate(HyperParameters resolved, OnnxGraph graph) {
    String x = graph.activation(graph.batchNorm(graph.conv2d(graph.input(), "conv1", 1), "bn1", BN_EPS), "relu");
    x = graph.maxPool2d(x, 2);
    x = graph.activation(graph.batchNorm(graph.conv2d(x, "conv2", 1), "bn2", BN_EPS), "relu");
    return graph.linear(graph.globalAveragePoolFlat(x), "fc");
  }
}
