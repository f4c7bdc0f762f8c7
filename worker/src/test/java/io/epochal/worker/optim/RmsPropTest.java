package io.epochal.worker.optim;

import static io.epochal.worker.optim.OptimizerRun.assertUlps;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** RMSprop against torch.optim.RMSprop's equations and against torch 1.13's own values. */
class RmsPropTest {

  private static final int STEPS = 6;
  private static final float[][] GRADS = {
      {0.3f, -0.2f, 1.5f, 0f}, {0.1f, 0.4f, -2f, 0.05f}, {-0.6f, 0.25f, 0.5f, 0.05f}};
  private static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  private static void check(double lr, double alpha, double eps, double wd, double momentum, boolean centered) {
    HyperParameters hp = HyperParameters.builder().put("alpha", alpha).put("eps", eps).put("weight_decay", wd)
        .put("momentum", momentum).put("centered", centered).build();
    OptimizerRun run = new OptimizerRun(manager);
    try (Optimizer opt = Optimizers.create("rmsprop", hp, manager)) {
      run.runAndCompare(opt, new TorchReference.RmsProp(alpha, eps, wd, momentum, centered), lr, STEPS);
    } finally {
      run.close();
    }
  }

  @Test
  void plainRmsPropMatchesTorchEquations() {
    check(0.01, 0.99, 1e-8, 0, 0, false);
  }

  @Test
  void weightDecayAndAnotherAlphaMatchTorchEquations() {
    check(0.01, 0.9, 1e-6, 0.1, 0, false);
  }

  @Test
  void momentumMatchesTorchEquations() {
    // a rate at which momentum does not carry a weight across zero, where float32 cancels digits
    check(0.002, 0.99, 1e-8, 0, 0.9, false);
  }

  @Test
  void centeredMatchesTorchEquations() {
    check(0.01, 0.95, 1e-8, 0, 0, true);
  }

  @Test
  void centeredWithMomentumAndWeightDecayMatchesTorchEquations() {
    check(0.002, 0.9, 1e-6, 0.05, 0.8, true);
  }

  /** The weights after each step, and the state after the last, for GRADS from w = [0.5, -1.25, 2, 0.1]. */
  private static StateDict runOnTorchCase(HyperParameters hp, double lr, float[][] weightsAfter) {
    try (NDManager m = manager.newSubManager(); Optimizer opt = Optimizers.create("rmsprop", hp, m)) {
      NDArray w = m.create(new float[] {0.5f, -1.25f, 2f, 0.1f});
      for (int t = 0; t < GRADS.length; t++) {
        opt.step(List.of(ParamSlot.of("w", w, m.create(GRADS[t]))), lr);
        weightsAfter[t] = w.toFloatArray();
      }
      return opt.stateDict();
    }
  }

  @Test
  void defaultRmsPropGivesTorchsOwnWeightsAndStateToAFewUlps() {
    float[][] w = new float[GRADS.length][];
    StateDict state = runOnTorchCase(HyperParameters.empty(), 0.01, w);
    // what torch 1.13's RMSprop(lr=0.01) computed for the same case (docs/torch_equations.py); the
    // first two steps agree bit for bit, the third to 1 ulp in two elements
    assertThat(w[0]).containsExactly(0.40000003576278687f, -1.1500000953674316f, 1.899999976158142f, 0.1f);
    assertThat(w[1]).containsExactly(0.3682340085506439f, -1.2395323514938354f, 1.9801443815231323f,
        1.9371509552001953e-07f);
    assertUlps(w[2], 0.4568815529346466, -1.2885515689849854, 1.960403561592102, -0.07088782638311386);
    assertUlps(state.require("w.square_avg").toFloatArray(), 0.0045810905285179615, 0.0026010400615632534,
        0.06415224820375443, 4.975000410922803e-05);
    assertThat(state.require("w.step").floatValue()).isEqualTo(3f);
    assertThat(state.names()).containsExactly("w.step", "w.square_avg");
  }

  @Test
  void centeredRmsPropWithMomentumAndWeightDecayGivesTorchsValuesToAFewUlps() {
    float[][] w = new float[GRADS.length][];
    StateDict state = runOnTorchCase(HyperParameters.builder().put("alpha", 0.9).put("eps", 1e-6)
        .put("weight_decay", 0.1).put("momentum", 0.8).put("centered", true).build(), 0.05, w);
    // torch 1.13's RMSprop(lr=0.05, alpha=0.9, eps=1e-6, weight_decay=0.1, momentum=0.8, centered=True)
    assertUlps(w[0], 0.33333492279052734, -1.083335041999817, 1.8333336114883423, -0.06661112606525421);
    assertUlps(w[1], 0.13583184778690338, -1.0586601495742798, 1.8183249235153198, -0.36636245250701904);
    assertUlps(w[2], 0.11517172306776047, -1.0925109386444092, 1.7613909244537354, -0.6592440009117126);
    assertUlps(state.require("w.square_avg").toFloatArray(), 0.04591097682714462, 0.01828932762145996,
        0.5776045322418213, 0.00019500231428537518);
    assertUlps(state.require("w.momentum_buffer").toFloatArray(), 0.41320252418518066, 0.6770155429840088,
        1.1386808156967163, 5.857631206512451);
    assertUlps(state.require("w.grad_avg").toFloatArray(), -0.018291665241122246, 0.014338383451104164,
        0.04238324984908104, 0.006046875845640898);
    assertThat(state.names()).containsExactly("w.step", "w.square_avg", "w.momentum_buffer", "w.grad_avg");
  }


  @Test
  void theStateHoldsOnlyTheBuffersTheSettingsNeed() {
    assertThat(Optimizers.stateTensorsPerParameter("rmsprop", HyperParameters.empty())).isEqualTo(1);
    assertThat(Optimizers.stateTensorsPerParameter("rmsprop", HyperParameters.builder().put("momentum", 0.5)
        .put("centered", true).build())).isEqualTo(3);
    float[][] w = new float[GRADS.length][];
    assertThat(runOnTorchCase(HyperParameters.builder().put("momentum", 0.5).build(), 0.01, w).names())
        .containsExactly("w.step", "w.square_avg", "w.momentum_buffer");
    assertThat(runOnTorchCase(HyperParameters.builder().put("centered", true).build(), 0.01, w).names())
        .containsExactly("w.step", "w.square_avg", "w.grad_avg");
  }

  @Test
  void valuesOutOfRangeAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> Optimizers.create("rmsprop", HyperParameters.builder().put("alpha", 1.5).build(),
        manager)).hasMessageContaining("'alpha' = 1.5 is out of range");
    assertThatThrownBy(() -> Optimizers.create("rmsprop", HyperParameters.builder().put("momentum", -0.1).build(),
        manager)).hasMessageContaining("'momentum'");
    assertThatThrownBy(() -> RmsProp.builder().setManager(manager).optEps(Double.NaN).build())
        .hasMessageContaining("rmsprop eps = NaN");
    assertThatThrownBy(() -> Optimizers.create("rmsprop", HyperParameters.builder().put("beta1", 0.9).build(),
        manager)).hasMessageContaining("'beta1'");
    assertThat(Optimizers.params("rmsprop").resolve(HyperParameters.empty()).getDouble("lr")).isEqualTo(0.01);
  }
}
