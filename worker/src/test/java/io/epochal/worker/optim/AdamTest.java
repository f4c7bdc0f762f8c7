package io.epochal.worker.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.epochal.params.HyperParameters;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AdamTest {

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

  /** Where an update runs: the engine's fused kernel, the exact CPU host loop, or plain array operations. */
  private enum UpdatePath {
    KERNEL, HOST, PLAIN;

    Adam.Builder configure(Adam.Builder b) {
      return switch (this) {
        case KERNEL -> b.optFusedKernel(Adam.FusedKernel.ALWAYS);
        case HOST -> b.optFusedKernel(Adam.FusedKernel.NEVER);
        case PLAIN -> b.optFusedKernel(Adam.FusedKernel.NEVER).hostLoop(false);
      };
    }

    /** Checks that {@code opt}'s updates ran on this path. */
    void ranOn(Adam opt) {
      assertThat(opt.isFused()).as("%s: fused", this).isEqualTo(this == KERNEL);
      if (this == HOST) {
        assertThat(opt.hostUpdates()).as("updates of the host loop").isPositive();
      } else {
        assertThat(opt.hostUpdates()).as("%s: updates of the host loop", this).isZero();
      }
    }
  }

  private static void check(boolean adamw, double wd, boolean amsgrad, UpdatePath path) {
    Adam.Builder b = adamw ? Adam.adamWBuilder() : Adam.builder();
    // a large eps and a small beta2 make both terms of the denominator matter; betas the kernel takes exactly
    double beta1 = 0.8;
    double beta2 = 0.95;
    double eps = 1e-2;
    assertThat(Adam.fusedIsExact(beta1, beta2)).isTrue();
    OptimizerRun run = new OptimizerRun(manager);
    try (Adam opt = path.configure(b.setManager(manager).optBeta1(beta1).optBeta2(beta2).optEps(eps)
        .optWeightDecay(wd).optAmsgrad(amsgrad)).build()) {
      assertThat(opt.name()).isEqualTo(adamw ? "adamw" : "adam");
      run.runAndCompare(opt, new TorchReference.Adam(beta1, beta2, eps, wd, amsgrad, adamw), 0.02, STEPS);
      path.ranOn(opt);
    } finally {
      run.close();
    }
  }

  @Test
  void adamOnTheFusedKernelMatchesTorchEquations() {
    check(false, 0, false, UpdatePath.KERNEL);
  }

  @Test
  void adamOnPlainOperationsMatchesTorchEquations() {
    check(false, 0, false, UpdatePath.PLAIN);
  }

  @Test
  void adamOnTheHostLoopMatchesTorchEquations() {
    check(false, 0, false, UpdatePath.HOST);
  }

  @Test
  void adamWithL2WeightDecayMatchesTorchEquationsOnEveryPath() {
    for (UpdatePath path : UpdatePath.values()) {
      check(false, 0.1, false, path);
    }
  }

  @Test
  void adamWithAmsgradMatchesTorchEquationsOnTheHostLoopAndPlainOperations() {
    for (UpdatePath path : List.of(UpdatePath.HOST, UpdatePath.PLAIN)) {
      check(false, 0, true, path);
      check(false, 0.1, true, path);
    }
  }

  @Test
  void adamWDecouplesWeightDecayOnEveryPath() {
    for (UpdatePath path : UpdatePath.values()) {
      check(true, 0.1, false, path);
    }
  }

  @Test
  void adamWWithAmsgradMatchesTorchEquations() {
    check(true, 0.05, true, UpdatePath.HOST);
  }

  @Test
  void adamWithTorchDefaultsMatchesTorchEquations() {
    OptimizerRun run = new OptimizerRun(manager);
    try (Optimizer opt = Optimizers.create("adam", HyperParameters.empty(), manager)) {
      run.runAndCompare(opt, new TorchReference.Adam(0.9, 0.999, 1e-8, 0, false, false), 1e-3, STEPS);
    } finally {
      run.close();
    }
  }

  @Test
  void firstAdamStepMovesByLrTimesGradOverAbsGradPlusEps() {
    // t = 1: m_hat = g, sqrt(v_hat) = |g|, so w -= lr * g / (|g| + eps)
    for (UpdatePath path : UpdatePath.values()) {
      try (NDManager m = manager.newSubManager();
          Adam opt = path.configure(Adam.builder().setManager(m).optBeta2(0.95).optEps(0.5)).build()) {
        NDArray w = m.create(new float[] {1f, -1f, 3f});
        opt.step(List.of(ParamSlot.of("w", w, m.create(new float[] {0.5f, -1.5f, 2f}))), 0.1);
        float[] got = w.toFloatArray();
        assertThat(got[0]).isCloseTo(0.95f, within(1e-6f)); // 1 - 0.1 * 0.5 / (0.5 + 0.5)
        assertThat(got[1]).isCloseTo(-0.925f, within(1e-6f)); // -1 + 0.1 * 1.5 / (1.5 + 0.5)
        assertThat(got[2]).isCloseTo(2.92f, within(1e-6f)); // 3 - 0.1 * 2 / (2 + 0.5)
        assertThat(opt.stateDict().require("w.step").floatValue()).isEqualTo(1f);
        assertThat(opt.stateDict().require("w.exp_avg").toFloatArray())
            .containsExactly(new float[] {0.05f, -0.15f, 0.2f}, within(1e-7f)); // (1 - 0.9) g
        path.ranOn(opt);
      }
    }
  }

  @Test
  void defaultBetasRunOnPlainOperationsBecauseTheKernelRoundsOneMinusBeta2() {
    assertThat(Adam.fusedIsExact(0.9, 0.999)).isFalse();
    assertThat(Adam.fusedIsExact(0.9, 0.95)).isTrue();
    try (Optimizer opt = Optimizers.create("adam", HyperParameters.empty(), manager)) {
      assertThat(((Adam) opt).isFused()).isFalse();
    }
    try (Optimizer opt = Optimizers.create("adamw", HyperParameters.builder().put("beta2", 0.95).build(), manager)) {
      assertThat(((Adam) opt).isFused()).isTrue();
    }
  }

  @Test
  void fusedKernelWithBeta2Of0999LeavesExpAvgSqAbout1e5BelowTorch() {
    try (NDManager m = manager.newSubManager();
        Adam opt = Adam.builder().setManager(m).optFusedKernel(Adam.FusedKernel.ALWAYS).build()) {
      assertThat(opt.isFused()).isTrue();
      NDArray w = m.create(new float[] {1f});
      opt.step(List.of(ParamSlot.of("w", w, m.create(new float[] {2f}))), 0.1);
      float v = opt.stateDict().require("w.exp_avg_sq").toFloatArray()[0];
      // torch: (1 - 0.999) * 4 = 0.004; kernel: (1 - 0.999f) * 4
      assertThat((double) v).isCloseTo(4 * (1 - (double) 0.999f), within(1e-12));
      assertThat((0.004 - v) / 0.004).isBetween(1.2e-5, 1.4e-5);
    }
  }

  @Test
  void stepUpdatesWeightsInPlaceAndLeavesGradientsUntouched() {
    for (String name : new String[] {"adam", "adamw", "sgd"}) {
      for (boolean amsgrad : new boolean[] {false, true}) {
        HyperParameters hp = name.equals("sgd")
            ? HyperParameters.builder().put("momentum", amsgrad ? 0.9 : 0.0).build()
            : HyperParameters.builder().put("amsgrad", amsgrad).build();
        try (NDManager m = manager.newSubManager(); Optimizer opt = Optimizers.create(name, hp, m)) {
          NDArray w = m.create(new float[] {1f, 2f, 3f});
          NDArray g = m.create(new float[] {0.1f, -0.2f, 0.3f});
          opt.step(List.of(ParamSlot.of("w", w, g)), 0.01);
          assertThat(w.toFloatArray()).as("%s amsgrad/momentum %s", name, amsgrad)
              .doesNotContain(1f, 2f, 3f);
          assertThat(g.toFloatArray()).containsExactly(0.1f, -0.2f, 0.3f);
        }
      }
    }
  }

  @Test
  void stepInsideAGradientCollectorUpdatesLeafWeightsAndKeepsTheirAutogradGradients() {
    try (NDManager m = manager.newSubManager()) {
      List<NDArray> ws = new ArrayList<>();
      for (int i = 0; i < 2; i++) {
        NDArray w = m.create(new float[] {1f, -2f, 3f});
        w.setRequiresGradient(true);
        ws.add(w);
      }
      // the kernel writes the gradient of its weights argument, which autograd must not see
      try (Adam fused = Adam.builder().setManager(m).optBeta2(0.95).optFusedKernel(Adam.FusedKernel.ALWAYS).build();
          Optimizer plain = Optimizers.create("adam", HyperParameters.builder().put("amsgrad", true).build(), m);
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray loss = ws.get(0).mul(ws.get(0)).sum().add(ws.get(1).mul(ws.get(1)).sum());
        gc.backward(loss);
        fused.step(List.of(ParamSlot.of("a", ws.get(0), ws.get(0).getGradient())), 0.1);
        plain.step(List.of(ParamSlot.of("a", ws.get(1), ws.get(1).getGradient())), 0.1);
        for (NDArray w : ws) {
          // first Adam step: w -= lr * sign(g) (eps negligible)
          float[] got = w.toFloatArray();
          assertThat(got[0]).isCloseTo(0.9f, within(1e-6f));
          assertThat(got[1]).isCloseTo(-1.9f, within(1e-6f));
          assertThat(w.getGradient().toFloatArray()).containsExactly(2f, -4f, 6f);
        }
        UpdatePath.KERNEL.ranOn(fused);
      }
    }
  }

  @Test
  void parametersWithoutGradientAreSkippedAndKeepNoState() {
    try (NDManager m = manager.newSubManager();
        Optimizer opt = Optimizers.create("adamw", HyperParameters.empty(), m)) {
      NDArray a = m.create(new float[] {1f, 2f});
      NDArray b = m.create(new float[] {3f, 4f});
      opt.step(List.of(ParamSlot.of("a", a, m.create(new float[] {1f, 1f})), ParamSlot.of("b", b, null)), 0.1);
      assertThat(b.toFloatArray()).containsExactly(3f, 4f);
      assertThat(opt.stateDict().names()).containsExactly("a.step", "a.exp_avg", "a.exp_avg_sq");
    }
  }
}
