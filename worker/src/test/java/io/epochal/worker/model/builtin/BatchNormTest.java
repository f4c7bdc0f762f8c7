package io.epochal.worker.model.builtin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.worker.model.EngineSettings;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.model.ModuleState;
import io.epochal.worker.probe.Probe;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BatchNormTest {

  @BeforeAll
  static void oneThread() {
    EngineSettings.configureThreads(1);
  }

  @Test
  void runningStatisticsFollowTorchMomentumPointOneWithUnbiasedVariance() {
    try (NDManager m = Engine.getEngine("PyTorch").newBaseManager()) {
      ModuleState state = new ModuleState(m, "bn test");
      Layers.BatchNorm2dLayer bn = new Layers.BatchNorm2dLayer(state, "bn", 2);
      state.initialize(0);
      // channel 0 holds 1, 2, 5, 6; channel 1 holds 3, 4, 7, 8 (batch 2, 1x2 pixels)
      NDArray x = m.create(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, new Shape(2, 2, 1, 2));
      bn.apply(x, true);
      StateDict sd = state.stateDict();
      float[] mean = sd.require("bn.running_mean").toFloatArray();
      float[] var = sd.require("bn.running_var").toFloatArray();
      assertThat(mean[0]).isCloseTo(0.1f * 3.5f, within(1e-6f));
      assertThat(mean[1]).isCloseTo(0.1f * 5.5f, within(1e-6f));
      double unbiased = (2.5 * 2.5 + 1.5 * 1.5) * 2 / 3.0;
      assertThat((double) var[0]).isCloseTo(0.9 + 0.1 * unbiased, within(1e-5));
      assertThat(sd.require("bn.num_batches_tracked").longValue()).isEqualTo(1L);
      bn.apply(x, false);
      assertThat(state.stateDict()).isEqualTo(sd);
    }
  }

  @Test
  void trainingForwardUpdatesRunningStatisticsThatSurviveSaveAndLoad() throws Exception {
    ModelRegistry registry = ModelRegistry.getDefault();
    HyperParameters hp = HyperParameters.builder().put("image_size", 8).put("channels", 2).put("classes", 3).build();
    try (EpochalModel a = registry.create("cnn", 1, hp); EpochalModel b = registry.create("cnn", 1, hp);
        NDManager io = Engine.getEngine("PyTorch").newBaseManager()) {
      a.initialize(1);
      StateDict before = a.stateDict();
      float[] v = new float[3 * 64];
      SplittableRandom r = new SplittableRandom(3);
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) (r.nextGaussian() * 2 + 1);
      }
      NDArray x = io.create(v, new Shape(3, 1, 8, 8));
      a.forward(x, false, null);
      assertThat(a.stateDict()).isEqualTo(before);
      a.forward(x, true, null);
      a.forward(x, true, null);
      StateDict after = a.stateDict();
      for (String k : new String[] {"bn1.running_mean", "bn1.running_var", "bn2.running_mean", "bn2.running_var"}) {
        assertThat(after.require(k)).as(k).isNotEqualTo(before.require(k));
      }
      assertThat(after.require("bn1.num_batches_tracked").longValue()).isEqualTo(2L);
      assertThat(after.require("bn2.num_batches_tracked").longValue()).isEqualTo(2L);

      b.initialize(1);
      b.loadStateDict(after);
      assertThat(b.stateDict()).isEqualTo(after);
      Probe.check(b, Probe.record(a));
      // evaluation uses the running statistics: restoring the initial ones changes the output
      b.loadStateDict(before);
      assertThat(Probe.run(b, Probe.input(b.inputShape()))).isNotEqualTo(Probe.run(a, Probe.input(a.inputShape())));
    }
  }
}
