package io.epochal.driver.predict;

import io.epochal.params.HyperParameters;
import io.epochal.tensor.Tensor;
import io.epochal.worker.export.MlpOnnxTranslator;
import io.epochal.worker.export.OnnxGraph;
import io.epochal.worker.export.OnnxTranslator;
import java.util.List;
import java.util.Map;

/**
 * A translator that gets the {@code mlp} wrong on purpose, for tests: its graph plus 0.01 on every
 * output, as if a bias were misplaced. Found through {@code META-INF/services} ahead of Epochal's
 * own translators, it translates nothing unless a test has set {@link #enabled}.
 */
public final class ShiftedMlpOnnxTranslator implements OnnxTranslator {

  /** Whether it translates the {@code mlp} now; set by a test for the duration of one export. */
  static volatile boolean enabled;

  private final MlpOnnxTranslator mlp = new MlpOnnxTranslator();

  /** Found by {@link java.util.ServiceLoader}. */
  public ShiftedMlpOnnxTranslator() {}

  @Override
  public boolean supports(String name, int version) {
    return enabled && mlp.supports(name, version);
  }

  @Override
  public String translate(HyperParameters resolved, OnnxGraph graph) {
    String output = mlp.translate(resolved, graph);
    return graph.node("Add", List.of(output, graph.constant("shift", Tensor.scalarFloat(0.01f))), Map.of());
  }
}
