package io.epochal.worker.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.epochal.params.HyperParameters;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SgdTest {

  private static final int STEPS = 6;
  private static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  private static void check(double momentum, double dampening, boolean nesterov, double wd) {
    HyperParameters hp = HyperParameters.builder().put("momentum", momentum).put("dampening", dampening)
        .put("nesterov", nesterov).put("weight_decay", wd).build();
    OptimizerRun run = new OptimizerRun(manager);
    try (Optimizer opt = Optimizers.create("sgd", hp, manager)) {
      run.runAndCompare(opt, new TorchReference.Sgd(momentum, dampening, nesterov, wd), 0.01, STEPS);
    } finally {
      run.close();
    }
  }

  @Test
  void plainSgdMatchesTorchEquations() {
    check(0, 0, false, 0);
  }

  @Test
  void plainSgdWithWeightDecayMatchesTorchEquations() {
    check(0, 0, false, 0.1);
  }

  @Test
  void momentumMatchesTorchEquations() {
    check(0.9, 0, false, 0);
  }

  @Test
  void momentumWithDampeningAndWeightDecayMatchesTorchEquations() {
    check(0.8, 0.3, false, 0.05);
  }

  @Test
  void nesterovWithWeightDecayMatchesTorchEquations() {
    check(0.9, 0, true, 0.02);
  }

  @Test
  void firstMomentumBufferIsTheUndampenedGradientAndLaterOnesAreDampened() {
    try (NDManager m = manager.newSubManager();
        Optimizer opt = Sgd.builder().setManager(m).optMomentum(0.5).optDampening(0.5).build()) {
      NDArray w = m.create(new float[] {1f, 2f});
      opt.step(List.of(ParamSlot.of("w", w, m.create(new float[] {0.5f, -1f}))), 0.1);
      // buf = g = [0.5, -1]; w = [1 - 0.05, 2 + 0.1]
      assertThat(opt.stateDict().require("w.momentum_buffer").toFloatArray()).containsExactly(0.5f, -1f);
      assertThat(w.toFloatArray()).containsExactly(0.95f, 2.1f);
      opt.step(List.of(ParamSlot.of("w", w, m.create(new float[] {1f, 1f}))), 0.1);
      // buf = 0.5 * buf + 0.5 * g = [0.75, 0]; w = [0.95 - 0.075, 2.1]
      assertThat(opt.stateDict().require("w.momentum_buffer").toFloatArray()).containsExactly(0.75f, 0f);
      assertThat(w.toFloatArray()[0]).isCloseTo(0.875f, org.assertj.core.data.Offset.offset(1e-7f));
      assertThat(w.toFloatArray()[1]).isEqualTo(2.1f);
    }
  }

  @Test
  void sgdWithoutMomentumKeepsNoState() {
    try (NDManager m = manager.newSubManager();
        Optimizer opt = Sgd.builder().setManager(m).optWeightDecay(0.1).build()) {
      NDArray w = m.create(new float[] {1f, 2f});
      opt.step(List.of(ParamSlot.of("w", w, m.create(new float[] {0.5f, -1f}))), 0.1);
      assertThat(opt.stateDict().isEmpty()).isTrue();
      // w -= 0.1 * (g + 0.1 w)
      assertThat(w.toFloatArray()).containsExactly(1f - 0.1f * 0.6f, 2f - 0.1f * (-1f + 0.2f));
    }
  }

  @Test
  void nesterovWithoutMomentumIsRefused() {
    assertThatThrownBy(() -> Sgd.builder().setManager(manager).optNesterov(true).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nesterov").hasMessageContaining("momentum > 0");
    assertThatThrownBy(() -> Sgd.builder().setManager(manager).optNesterov(true).optMomentum(0.9)
        .optDampening(0.1).build())
        .hasMessageContaining("dampening = 0.1");
  }
}
