package io.epochal.worker.optim;

import static io.epochal.worker.optim.OptimizerRun.assertUlps;
import static io.epochal.worker.optim.OptimizerRun.assertUlpsOf;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Optimizers stepping two parameters in two groups, as torch's optimizers given parameter groups: {@code a} at a
 * scale of the scheduled rate and decayed, {@code b} at the rate and not decayed, against torch 1.13's weights and
 * state (docs/torch_equations.py, "ParamGroupsStepTest").
 */
class ParamGroupsStepTest {

  private static final float[][] GRADS = {{0.3f, -0.2f, 1.5f, 0f}, {0.1f, 0.4f, -2f, 0.05f},
      {-0.6f, 0.25f, 0.5f, 0.05f}, {0.2f, 0.2f, -0.3f, -0.1f}};
  /** The base rates of the four steps: StepLR(step_size=1, gamma=0.5) from 0.01. */
  private static final double[] RATES = {0.01, 0.005, 0.0025, 0.00125};
  private static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  private static ParamGroups aScaledBNotDecayed(double scale) {
    Map<String, Double> scales = new LinkedHashMap<>();
    scales.put("a", scale);
    return ParamGroups.of(scales, List.of("b"));
  }

  /** Steps a and b through GRADS (b's reversed) at RATES; the weights of a and b, then the state. */
  private static List<Object> run(String optimizer, HyperParameters hp, ParamGroups groups, double[] rates) {
    try (NDManager m = manager.newSubManager(); Optimizer opt = Optimizers.create(optimizer, hp, groups, m)) {
      NDArray a = m.create(new float[] {0.5f, -1.25f, 2f, 0.1f});
      NDArray b = m.create(new float[] {1.5f, -0.75f, 0.25f, -2f});
      for (int t = 0; t < GRADS.length; t++) {
        float[] reversed = new float[4];
        for (int i = 0; i < 4; i++) {
          reversed[i] = GRADS[t][3 - i];
        }
        opt.step(List.of(ParamSlot.of("a", a, m.create(GRADS[t])), ParamSlot.of("b", b, m.create(reversed))),
            rates[t]);
      }
      List<Object> out = new ArrayList<>();
      out.add(a.toFloatArray());
      out.add(b.toFloatArray());
      out.add(opt.stateDict());
      return out;
    }
  }

  private static float[] tensor(List<Object> run, String name) {
    return ((StateDict) run.get(2)).require(name).toFloatArray();
  }

  @Test
  void adamwStepsEachGroupAtItsRateAndDecaysOnlyTheDecayedGroup() {
    List<Object> r = run("adamw", HyperParameters.builder().put("lr", 0.01).put("weight_decay", 0.05).build(),
        aScaledBNotDecayed(0.1), RATES);
    // torch 1.13: AdamW([{"params": [a], "lr": 0.1 * lr}, {"params": [b], "weight_decay": 0}], weight_decay=0.05)
    assertUlps((float[]) r.get(0), 0.49858468770980835, -1.249285340309143, 1.9989252090454102, 0.09941256791353226);
    assertUlps((float[]) r.get(1), 1.4942193031311035, -0.7588725090026855, 0.25597503781318665, -2.0136849880218506);
    assertUlps(tensor(r, "a.exp_avg_sq"), 0.0004993503098376095, 0.0003019978175871074, 0.006575011182576418,
        1.4992503565736115e-05);
    assertThat(tensor(r, "b.step")).containsExactly(4f);
  }

  @Test
  void adamAddsTheL2PenaltyOnlyToTheDecayedGroupsGradients() {
    List<Object> r = run("adam", HyperParameters.builder().put("weight_decay", 0.05).build(),
        aScaledBNotDecayed(0.1), RATES);
    // torch 1.13: Adam with the same groups and weight_decay=0.05: a's moments hold the penalty, b's do not
    assertUlps((float[]) r.get(0), 0.4985964596271515, -1.249241590499878, 1.9990581274032593, 0.09837515652179718);
    assertUlps((float[]) r.get(1), 1.4942193031311035, -0.7588725090026855, 0.25597503781318665, -2.0136849880218506);
    // a's first moment sums terms of about 0.1 (0.1 g) that nearly cancel in its third element
    assertUlpsOf(0.1, tensor(r, "a.exp_avg"), 0.004549946635961533, 0.03883848711848259, -0.0032729501836001873,
        0.00025102836661972106);
    assertUlps(tensor(r, "b.exp_avg"), -0.0014499998651444912, -0.03764999657869339, 0.06031999737024307,
        -0.004029999487102032);
  }

  @Test
  void sgdWithMomentumStepsEachGroupAtItsRate() {
    List<Object> r = run("sgd", HyperParameters.builder().put("momentum", 0.9).put("weight_decay", 0.05).build(),
        aScaledBNotDecayed(0.5), RATES);
    // torch 1.13: SGD([{"params": [a], "lr": 0.5 * lr}, {"params": [b], "weight_decay": 0}], momentum=0.9, wd=0.05)
    assertUlps((float[]) r.get(0), 0.49755242466926575, -1.2495319843292236, 1.9929403066635132, 0.09968891739845276);
    assertUlps((float[]) r.get(1), 1.4995306730270386, -0.7610668540000916, 0.24902600049972534, -2.004132032394409);
    assertUlps(tensor(r, "a.momentum_buffer"), 0.04536816477775574, 0.3883988559246063, -0.033586323261260986,
        0.002670697867870331);
  }

  @Test
  void rmsPropStepsEachGroupAtItsRateAndDecaysOnlyTheDecayedGroup() {
    List<Object> r = run("rmsprop", HyperParameters.builder().put("weight_decay", 0.05).build(),
        aScaledBNotDecayed(0.1), RATES);
    // torch 1.13: RMSprop with the same groups, lr=0.01, weight_decay=0.05
    assertUlps((float[]) r.get(0), 0.4899497628211975, -1.2453237771987915, 1.9933412075042725, 0.08423344790935516);
    assertUlps((float[]) r.get(1), 1.4425097703933716, -0.8133854269981384, 0.28839555382728577, -2.0972795486450195);
    assertUlps(tensor(r, "b.square_avg"), 0.00014925250434316695, 0.0644107237458229, 0.0029750296380370855,
        0.004935279954224825);
  }

  @Test
  void aScaleOfOneAndNoPatternsStepExactlyAsOneGroup() {
    HyperParameters hp = HyperParameters.builder().put("weight_decay", 0.05).build();
    Map<String, Double> one = new LinkedHashMap<>();
    one.put("*", 1.0);
    List<Object> grouped = run("adamw", hp, ParamGroups.of(one, List.of()), RATES);
    List<Object> plain = run("adamw", hp, ParamGroups.NONE, RATES);
    assertThat((float[]) grouped.get(0)).containsExactly((float[]) plain.get(0));
    assertThat((float[]) grouped.get(1)).containsExactly((float[]) plain.get(1));
    assertThat(grouped.get(2)).isEqualTo(plain.get(2));
  }

  @Test
  void aScaleOfOneHalfForEveryParameterStepsAsHalfTheRateToTheBit() {
    Map<String, Double> half = new LinkedHashMap<>();
    half.put("*", 0.5);
    double[] halved = new double[RATES.length];
    for (int t = 0; t < RATES.length; t++) {
      halved[t] = RATES[t] / 2;
    }
    Map<String, HyperParameters> optimizers = Map.of(
        "sgd", HyperParameters.builder().put("momentum", 0.9).put("weight_decay", 0.05).build(),
        "adamw", HyperParameters.builder().put("weight_decay", 0.05).build());
    optimizers.forEach((optimizer, hp) -> {
      List<Object> scaled = run(optimizer, hp, ParamGroups.of(half, List.of()), RATES);
      List<Object> slower = run(optimizer, hp, ParamGroups.NONE, halved);
      assertThat((float[]) scaled.get(0)).as(optimizer).containsExactly((float[]) slower.get(0));
      assertThat((float[]) scaled.get(1)).as(optimizer).containsExactly((float[]) slower.get(1));
      assertThat(scaled.get(2)).as(optimizer).isEqualTo(slower.get(2));
    });
  }

  @Test
  void aParameterWithoutGradientKeepsNoStateWhateverItsGroup() {
    try (NDManager m = manager.newSubManager();
        Optimizer opt = Optimizers.create("adamw", HyperParameters.empty(), aScaledBNotDecayed(0.1), m)) {
      NDArray a = m.create(new float[] {1f, 2f});
      NDArray b = m.create(new float[] {3f});
      opt.step(List.of(ParamSlot.of("a", a, m.create(new float[] {0.5f, 0.5f})), ParamSlot.of("b", b, null)), 0.01);
      assertThat(opt.stateDict().names()).containsExactly("a.step", "a.exp_avg", "a.exp_avg_sq");
      assertThat(b.toFloatArray()).containsExactly(3f);
      assertThat(opt.paramGroups()).isEqualTo(aScaledBNotDecayed(0.1));
    }
  }
}
