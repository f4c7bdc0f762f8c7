package io.epochal.worker.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.model.EngineSettings;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.model.NamedParameter;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ProbeTest {

  private static final HyperParameters MLP =
      HyperParameters.builder().put("input_dim", 5).put("hidden", List.of(4L)).put("output_dim", 3).build();

  @BeforeAll
  static void oneThread() {
    EngineSettings.configureThreads(1);
  }

  @Test
  void probeInputIsFixedPerShape() {
    Tensor a = Probe.input(new long[] {1, 8, 8});
    assertThat(a.shape()).containsExactly(4, 1, 8, 8);
    assertThat(Probe.input(new long[] {1, 8, 8})).isEqualTo(a);
    assertThat(Probe.input(new long[] {64}).toFloatArray()).startsWith(java.util.Arrays.copyOf(a.toFloatArray(), 64));
  }

  @Test
  void recordRoundTripsThroughItsStateDictWithItsDigest() {
    try (EpochalModel m = ModelRegistry.getDefault().create("mlp", 1, MLP)) {
      m.initialize(1);
      ProbeRecord r = Probe.record(m);
      assertThat(r.output().shape()).containsExactly(Probe.BATCH, 3);
      assertThat(r.sha256()).hasSize(64).isEqualTo(ProbeRecord.digest(r.output()));
      StateDict sd = r.toStateDict();
      assertThat(sd.nameList()).containsExactly("probe.input", "probe.output");
      ProbeRecord back = ProbeRecord.fromStateDict(sd);
      assertThat(back).isEqualTo(r);
      assertThat(back.sha256()).isEqualTo(r.sha256());
      assertThatThrownBy(() -> ProbeRecord.fromStateDict(sd.filter(k -> k.equals("probe.input"))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("holds exactly 'probe.input' and 'probe.output', got [probe.input]");
    }
  }

  @Test
  void aMovingAveragesOutputTravelsBesideTheRecordAndReadsBackAsItsOwn() {
    try (EpochalModel m = ModelRegistry.getDefault().create("mlp", 1, MLP)) {
      m.initialize(1);
      ProbeRecord trained = Probe.record(m);
      m.initialize(2);
      ProbeRecord average = Probe.record(m);
      StateDict sd = trained.withAverage(average);
      assertThat(sd.nameList()).containsExactly("probe.input", "probe.output", "probe.ema_output");
      assertThat(ProbeRecord.fromStateDict(sd)).isEqualTo(trained);
      assertThat(ProbeRecord.averageFromStateDict(sd)).contains(average);
      assertThat(ProbeRecord.averageFromStateDict(trained.toStateDict())).isEmpty();
      StateDict other = StateDict.builder().putAll(trained.toStateDict())
          .put("probe.other", average.output()).build();
      assertThatThrownBy(() -> ProbeRecord.fromStateDict(other)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("holds exactly 'probe.input' and 'probe.output', got [probe.input, probe.output, "
              + "probe.other]");
    }
  }

  @Test
  void reloadedModelPassesTheExactCheck() {
    ModelRegistry reg = ModelRegistry.getDefault();
    try (EpochalModel a = reg.create("mlp", 1, MLP); EpochalModel b = reg.create("mlp", 1, MLP)) {
      a.initialize(5);
      ProbeRecord r = Probe.record(a);
      b.loadStateDict(a.stateDict());
      assertThatCode(() -> Probe.check(b, r)).doesNotThrowAnyException();
    }
  }

  @Test
  void aTinyDifferenceFailsTheExactCheckButPassesAStatedTolerance() {
    ModelRegistry reg = ModelRegistry.getDefault();
    try (EpochalModel a = reg.create("mlp", 1, MLP); EpochalModel b = reg.create("mlp", 1, MLP)) {
      a.initialize(5);
      ProbeRecord r = Probe.record(a);
      StateDict sd = a.stateDict();
      float[] bias = sd.require("layers.3.bias").toFloatArray();
      bias[1] += 1e-4f;
      StateDict.Builder nudged = StateDict.builder();
      sd.forEach(e -> nudged.put(e.getKey(), e.getKey().equals("layers.3.bias")
          ? Tensor.ofFloats(new long[] {3}, bias) : e.getValue()));
      b.loadStateDict(nudged.build());
      assertThatThrownBy(() -> Probe.check(b, r))
          .isInstanceOf(ProbeMismatchException.class)
          .hasMessageContaining("the checkpoint does not reproduce model mlp v1")
          .hasMessageContaining("(tolerance: bit-exact)")
          .hasMessageContaining("first differing index 1 ")
          .satisfies(e -> {
            ProbeMismatchException p = (ProbeMismatchException) e;
            assertThat(p.firstDifferingIndex()).isEqualTo(1);
            assertThat(p.maxAbsDifference()).isBetween(5e-5, 2e-4);
          });
      assertThatCode(() -> Probe.check(b, r, Tolerance.maxAbs(1e-3))).doesNotThrowAnyException();
      assertThatThrownBy(() -> Probe.check(b, r, Tolerance.maxAbs(1e-6)))
          .hasMessageContaining("(tolerance: max abs difference 1.0E-6)");
    }
  }

  @Test
  void aTensorOutsideTheStateDictTrainsAndSavesFineButFailsTheProbeOnReload() {
    Engine engine = Engine.getEngine("PyTorch");
    StateDict saved;
    ProbeRecord record;
    try (LeakyModel trained = new LeakyModel(5, 3, 1); NDManager data = engine.newBaseManager()) {
      trained.initialize(7);
      // one plain SGD step: the model trains and its state dict saves without complaint
      NDArray x = data.ones(new Shape(8, 5));
      try (GradientCollector gc = engine.newGradientCollector()) {
        gc.backward(trained.forward(x, true, null).square().mean());
      }
      for (NamedParameter p : trained.trainableParameters()) {
        p.array().subi(p.array().getGradient().mul(0.1f));
      }
      saved = trained.stateDict();
      record = Probe.record(trained);
    }
    try (LeakyModel reloaded = new LeakyModel(5, 3, 2)) {
      reloaded.loadStateDict(saved);
      assertThat(reloaded.stateDict()).isEqualTo(saved);
      assertThatThrownBy(() -> Probe.check(reloaded, record))
          .isInstanceOf(ProbeMismatchException.class)
          .hasMessageContaining("the checkpoint does not reproduce model leaky v1")
          .hasMessageContaining("first differing index 0")
          .hasMessageContaining("not registered as a parameter or buffer, so it is missing from the state dict")
          .hasMessageContaining("tensors were changed after it was written");
    }
  }
}
