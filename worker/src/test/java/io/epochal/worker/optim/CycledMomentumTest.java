package io.epochal.worker.optim;

import static io.epochal.worker.optim.OptimizerRun.assertUlps;
import static io.epochal.worker.optim.OptimizerRun.assertUlpsOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.worker.schedule.LrSchedule;
import io.epochal.worker.schedule.LrSchedules;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every optimizer stepped with the momentum (or first beta) a one-cycle schedule sets before each step, against the
 * weights and state torch 1.13 computes under {@code OneCycleLR(cycle_momentum=True)} (docs/torch_equations.py).
 */
class CycledMomentumTest {

  private static final float[][] GRADS = {{0.3f, -0.2f, 1.5f, 0f}, {0.1f, 0.4f, -2f, 0.05f},
      {-0.6f, 0.25f, 0.5f, 0.05f}, {0.2f, 0.2f, -0.3f, -0.1f}, {0.05f, -0.5f, 0.8f, 0.3f}, {-0.25f, 0.1f, 0f, 0.2f}};
  private static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  /** torch's default one-cycle over the six gradients: momentum from 0.95 to 0.85 and back. */
  private static LrSchedule cycle(double maxLr) {
    return LrSchedules.oneCycle(maxLr, GRADS.length, 0.3, "cos", 25, 1e4, false, 0.85, 0.95);
  }

  /** Steps w = [0.5, -1.25, 2, 0.1] through GRADS at the schedule's rate and momentum; the weights after each step. */
  private static StateDict run(String optimizer, HyperParameters hp, LrSchedule schedule, float[][] weightsAfter) {
    try (NDManager m = manager.newSubManager(); Optimizer opt = Optimizers.create(optimizer, hp, m)) {
      NDArray w = m.create(new float[] {0.5f, -1.25f, 2f, 0.1f});
      for (int t = 0; t < GRADS.length; t++) {
        opt.step(List.of(ParamSlot.of("w", w, m.create(GRADS[t]))), schedule.lr(t), schedule.momentum(t).orElseThrow());
        weightsAfter[t] = w.toFloatArray();
      }
      return opt.stateDict();
    }
  }

  @Test
  void sgdWithMomentumTakesEachStepsMomentumAsTorchsGroupHasIt() {
    float[][] w = new float[GRADS.length][];
    StateDict state = run("sgd", HyperParameters.builder().put("momentum", 0.9).build(), cycle(0.1), w);
    // torch 1.13: SGD(lr=0.1, momentum=0.9) under OneCycleLR(max_lr=0.1, total_steps=6)
    assertUlps(w[0], 0.49880000948905945, -1.2491999864578247, 1.99399995803833, 0.10000000149011612);
    assertUlps(w[1], 0.463481605052948, -1.2720603942871094, 2.066011667251587, 0.09502792358398438);
    assertUlps(w[3], 0.49006927013397217, -1.3366234302520752, 2.0957767963409424, 0.08816243708133698);
    assertUlps(w[5], 0.4901942014694214, -1.337531566619873, 2.090308427810669, 0.08435238152742386);
    assertUlps(state.require("w.momentum_buffer").toFloatArray(), -0.25888627767562866, 0.1646224409341812,
        0.3891797363758087, 0.47115999460220337);
  }

  @Test
  void nesterovSgdWithWeightDecayFollowsThreeLinearPhases() {
    float[][] w = new float[GRADS.length][];
    LrSchedule three = LrSchedules.oneCycle(0.1, GRADS.length, 0.4, "linear", 25, 1e4, true, 0.8, 0.9);
    StateDict state = run("sgd", HyperParameters.builder().put("momentum", 0.9).put("nesterov", true)
        .put("weight_decay", 0.01).build(), three, w);
    // torch 1.13: SGD(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01) under OneCycleLR(max_lr=0.1,
    // total_steps=6, pct_start=0.4, anneal_strategy="linear", three_phase=True, base_momentum=0.8, max_momentum=0.9)
    assertUlps(w[1], 0.4685555100440979, -1.2892218828201294, 2.175483226776123, 0.09317478537559509);
    assertUlps(w[5], 0.5175151228904724, -1.3253469467163086, 2.1488864421844482, 0.0848705992102623);
    assertUlps(state.require("w.momentum_buffer").toFloatArray(), -0.24317258596420288, 0.07885950058698654,
        0.4727952182292938, 0.46028900146484375);
  }

  @Test
  void adamTakesEachStepsBeta1AlsoInItsBiasCorrection() {
    float[][] w = new float[GRADS.length][];
    StateDict state = run("adam", HyperParameters.empty(), cycle(0.01), w);
    // torch 1.13: Adam(lr=0.01) under OneCycleLR(max_lr=0.01, total_steps=6): betas[0] cycled, 1 - beta1 ** step
    assertUlps(w[0], 0.49959999322891235, -1.2496000528335571, 1.9996000528335571, 0.10000000149011612);
    assertUlps(w[2], 0.49843427538871765, -1.261595606803894, 2.006603956222534, 0.08486445248126984);
    assertUlps(w[5], 0.4999960958957672, -1.2668460607528687, 2.0086469650268555, 0.08367907255887985);
    assertUlps(state.require("w.exp_avg").toFloatArray(), -0.036295823752880096, 0.05423473194241524,
        -0.08906315267086029, 0.029983146116137505);
    assertUlps(state.require("w.exp_avg_sq").toFloatArray(), 0.0005633496330119669, 0.0005611441447399557,
        0.007201227825134993, 0.00014487253793049604);
    assertThat(state.require("w.step").floatValue()).isEqualTo(6f);
  }

  @Test
  void adamwWithAmsgradTakesEachStepsBeta1() {
    float[][] w = new float[GRADS.length][];
    StateDict state = run("adamw", HyperParameters.builder().put("amsgrad", true).build(), cycle(0.01), w);
    // torch 1.13: AdamW(lr=0.01, amsgrad=True) under OneCycleLR(max_lr=0.01, total_steps=6)
    assertUlps(w[1], 0.49509263038635254, -1.2552999258041382, 2.0041749477386475, 0.09239215403795242);
    assertUlps(w[5], 0.4998745024204254, -1.2665396928787231, 2.0081582069396973, 0.0836561769247055);
    assertUlps(state.require("w.max_exp_avg_sq").toFloatArray(), 0.0005633496330119669, 0.0005611441447399557,
        0.007208436261862516, 0.00014487253793049604);
  }

  @Test
  void rmsPropWithMomentumTakesEachStepsMomentum() {
    float[][] w = new float[GRADS.length][];
    StateDict state = run("rmsprop", HyperParameters.builder().put("momentum", 0.5).build(), cycle(0.01), w);
    // torch 1.13: RMSprop(lr=0.01, momentum=0.5) under OneCycleLR(max_lr=0.01, total_steps=6)
    assertUlps(w[1], 0.379830539226532, -1.2504515647888184, 1.9911160469055176, 0.000558651692699641);
    assertUlps(w[5], 0.3448922336101532, -1.3340030908584595, 1.9617925882339478, -0.17557039856910706);
    // the first element is the difference of 0.9366 x 4.4678 and 3.3750: torch's fused division and sum round the
    // operands differently in their last bits, which the difference keeps (0.86937857 against unfused float32's
    // 0.8693776, Epochal's), so it is held to 8 ulps of the operand, not of the result
    assertUlpsOf(4.4678, state.require("w.momentum_buffer").toFloatArray(), 0.8693785667419434, 2.429999351501465,
        3.7479217052459717, 19.48392105102539);
  }

  @Test
  void aStepGivenTheConfiguredMomentumIsBitForBitAPlainStep() {
    for (String name : List.of("sgd", "adam", "rmsprop")) {
      HyperParameters hp = HyperParameters.builder().put("momentum", 0.9).build();
      if (!name.equals("sgd") && !name.equals("rmsprop")) {
        hp = HyperParameters.empty(); // adam's beta1 is 0.9 by default
      }
      float[] plain;
      float[] given;
      try (NDManager m = manager.newSubManager(); Optimizer a = Optimizers.create(name, hp, m);
          Optimizer b = Optimizers.create(name, hp, m)) {
        NDArray wa = m.create(new float[] {0.5f, -1.25f, 2f, 0.1f});
        NDArray wb = m.create(new float[] {0.5f, -1.25f, 2f, 0.1f});
        for (float[] g : GRADS) {
          a.step(List.of(ParamSlot.of("w", wa, m.create(g))), 0.01);
          b.step(List.of(ParamSlot.of("w", wb, m.create(g))), 0.01, 0.9);
        }
        plain = wa.toFloatArray();
        given = wb.toFloatArray();
        assertThat(b.stateDict()).as(name).isEqualTo(a.stateDict());
      }
      assertThat(given).as(name).containsExactly(plain);
    }
  }

  @Test
  void sgdAndRmspropAreTheOptimizersThatCannotTakeAStepMomentumOfZeroAsTorchDoes() {
    assertThat(Optimizers.takesZeroStepMomentum("adamw")).isTrue();
    assertThat(Optimizers.takesZeroStepMomentum("adam")).isTrue();
    assertThat(Optimizers.takesZeroStepMomentum("sgd")).isFalse();
    assertThat(Optimizers.takesZeroStepMomentum("rmsprop")).isFalse();
  }

  @Test
  void anOptimizerWithoutAMomentumBufferOrAMomentumOutOfRangeIsRefusedSayingWhatToSet() {
    try (NDManager m = manager.newSubManager(); Optimizer sgd = Optimizers.create("sgd", HyperParameters.empty(), m);
        Optimizer adam = Optimizers.create("adam", HyperParameters.empty(), m)) {
      NDArray w = m.create(new float[] {0.5f});
      List<ParamSlot> slots = List.of(ParamSlot.of("w", w, m.create(new float[] {0.1f})));
      assertThatThrownBy(() -> sgd.step(slots, 0.1, 0.9)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("sgd was configured without momentum (momentum = 0)")
          .hasMessageContaining("configure optimizer.momentum > 0");
      assertThatThrownBy(() -> adam.step(slots, 0.1, 1.0)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("adam: the momentum of this step, 1.0, must be in [0, 1)");
      assertThat(w.toFloatArray()).as("nothing stepped").containsExactly(0.5f);
      assertThat(Optimizers.takesScheduledMomentum("sgd", HyperParameters.empty())).isFalse();
      assertThat(Optimizers.takesScheduledMomentum("rmsprop", HyperParameters.builder().put("momentum", 0.1).build()))
          .isTrue();
      assertThat(Optimizers.takesScheduledMomentum("adamw", HyperParameters.empty())).isTrue();
    }
  }
}
