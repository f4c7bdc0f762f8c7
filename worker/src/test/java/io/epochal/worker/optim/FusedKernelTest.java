package io.epochal.worker.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Pins down what the PyTorch engine's fused kernels do, since the optimizers rely on it. */
class FusedKernelTest {

  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  @Test
  void adamUpdateWritesWeightAndMomentsInPlaceAndUsesItsSecondRateForTheStep() {
    NDArray w = manager.create(new float[] {1f, -2f});
    NDArray g = manager.create(new float[] {0.5f, 0.25f});
    NDArray m = manager.zeros(new Shape(2));
    NDArray v = manager.zeros(new Shape(2));
    // lr 0.1 (decay only), lrArg 0.01, wd 0.5 as L2, no rescale, clip off, b1 .9, b2 .999, epsArg 1e-3
    w.getNDArrayInternal().adamUpdate(new NDList(w, g, m, v), new NDList(manager.zeros(new Shape())),
        0.1f, 0.01f, 0.5f, 1f, -1f, 0.9f, 0.999f, 1e-3f, false, false);
    double[] gd = {0.5 + 0.5 * 1, 0.25 + 0.5 * -2};
    for (int i = 0; i < 2; i++) {
      double mi = (1 - 0.9f) * gd[i];
      double vi = (1 - 0.999f) * gd[i] * gd[i];
      assertThat((double) m.toFloatArray()[i]).isCloseTo(mi, within(1e-7));
      assertThat((double) v.toFloatArray()[i]).isCloseTo(vi, within(1e-9));
      double wi = (i == 0 ? 1 : -2) - 0.01 * mi / (Math.sqrt(vi) + 1e-3);
      assertThat((double) w.toFloatArray()[i]).isCloseTo(wi, within(1e-6));
    }
    assertThat(g.toFloatArray()).containsExactly(0.5f, 0.25f);
  }

  @Test
  void adamWUpdateDecaysTheWeightByItsFirstRateFirst() {
    NDArray w = manager.create(new float[] {2f});
    NDArray g = manager.create(new float[] {0f});
    w.getNDArrayInternal().adamUpdate(new NDList(w, g, manager.zeros(new Shape(1)), manager.zeros(new Shape(1))),
        new NDList(manager.zeros(new Shape())), 0.1f, 0.01f, 0.5f, 1f, -1f, 0.9f, 0.999f, 1e-3f, false, true);
    assertThat(w.toFloatArray()[0]).isCloseTo(2f * (1 - 0.1f * 0.5f), within(1e-7f));
  }

  @Test
  void clipGradClampsOnlyFromAboveAndANegativeValueDisablesIt() {
    NDArray g = manager.create(new float[] {0.5f, -1f});
    NDArray m = manager.zeros(new Shape(2));
    NDArray w = manager.zeros(new Shape(2));
    w.getNDArrayInternal().adamUpdate(new NDList(w, g, m, manager.zeros(new Shape(2))),
        new NDList(manager.zeros(new Shape())), 0f, 0f, 0f, 1f, 0.3f, 0f, 0.999f, 1e-3f, false, false);
    assertThat(m.toFloatArray()).containsExactly(0.3f, -1f);
    w.getNDArrayInternal().adamUpdate(new NDList(w, g, m, manager.zeros(new Shape(2))),
        new NDList(manager.zeros(new Shape())), 0f, 0f, 0f, 1f, -1f, 0f, 0.999f, 1e-3f, false, false);
    assertThat(m.toFloatArray()).containsExactly(0.5f, -1f);
  }

  @Test
  void kernelsZeroTheAutogradGradientOfTheirWeightsArgumentSoOptimizersPassASink() {
    NDArray w = manager.create(new float[] {1f, 2f});
    w.setRequiresGradient(true);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      gc.backward(w.mul(w).sum());
    }
    NDArray g = w.getGradient();
    w.getNDArrayInternal().sgdUpdate(new NDList(w, g), new NDList(manager.zeros(new Shape())),
        0.1f, 0f, 1f, -1f, 0f, false);
    assertThat(g.toFloatArray()).containsExactly(2f, 4f);
    assertThat(w.toFloatArray()).containsExactly(0.8f, 1.6f);
    w.getNDArrayInternal().sgdUpdate(new NDList(w, g), new NDList(w), 0.1f, 0f, 1f, -1f, 0f, false);
    assertThat(w.getGradient().toFloatArray()).containsExactly(0f, 0f);
  }

  @Test
  void sgdUpdateWithMomentumFoldsTheRateIntoItsBuffer() {
    NDArray w = manager.create(new float[] {1f});
    NDArray mom = manager.zeros(new Shape(1));
    w.getNDArrayInternal().sgdUpdate(new NDList(w, manager.create(new float[] {0.5f}), mom),
        new NDList(manager.zeros(new Shape())), 0.1f, 0f, 1f, -1f, 0.9f, false);
    // buffer = lr * g, not torch's g: why Sgd with momentum runs on plain operations
    assertThat(mom.toFloatArray()[0]).isCloseTo(0.05f, within(1e-8f));
    assertThat(w.toFloatArray()[0]).isCloseTo(0.95f, within(1e-7f));
  }
}
