package io.epochal.worker.model.builtin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.model.EngineSettings;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.model.NamedParameter;
import io.epochal.worker.probe.Probe;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class MlpOffsetTest {

  @BeforeAll
  static void oneThread() {
    EngineSettings.configureThreads(1);
  }

  @Test
  void offsetIsASeededNonTrainableBufferAddedToTheOutput() {
    HyperParameters hp = HyperParameters.builder().put("input_dim", 4).put("hidden", List.of(3L)).put("output_dim", 2).build();
    ModelRegistry registry = ModelRegistry.getDefault();
    try (EpochalModel m = registry.create("mlp-offset", 1, hp); EpochalModel plain = registry.create("mlp", 1, hp)) {
      m.initialize(8);
      StateDict sd = m.stateDict();
      float[] offset = sd.require("offset").toFloatArray();
      assertThat(offset).hasSize(2);
      for (float o : offset) {
        assertThat(o).isBetween(-1f, 1f).isNotEqualTo(0f);
      }
      assertThat(m.trainableParameters()).extracting(NamedParameter::name).doesNotContain("offset");

      // the same weights without the offset give the output minus the offset
      plain.loadStateDict(sd.filter(k -> !k.equals("offset")));
      Tensor in = Probe.input(m.inputShape());
      float[] with = Probe.run(m, in).toFloatArray();
      float[] without = Probe.run(plain, in).toFloatArray();
      for (int i = 0; i < with.length; i++) {
        assertThat(with[i] - without[i]).isCloseTo(offset[i % 2], within(1e-5f));
      }
    }
  }
}
