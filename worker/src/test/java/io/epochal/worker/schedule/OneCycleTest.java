package io.epochal.worker.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.params.HyperParameters;
import org.junit.jupiter.api.Test;

/** Schedule {@code onecycle} against the rates PyTorch's OneCycleLR gives (docs/torch_equations.py). */
class OneCycleTest {

  private static LrSchedule create(double base, Object... kv) {
    HyperParameters.Builder b = HyperParameters.builder().put("schedule", "onecycle");
    for (int i = 0; i < kv.length; i += 2) {
      b.put((String) kv[i], kv[i + 1]);
    }
    return LrSchedules.create(base, b.build());
  }

  @Test
  void torchsDefaultCycleRisesByCosineForThirtyPercentThenFallsToItsFloorToTheLastBit() {
    LrSchedule s = create(1.0, "total_steps", 10L);
    // OneCycleLR(max_lr=1.0, total_steps=10, cycle_momentum=False), its rate before each step
    double[] torch = {0.040000000000000036, 0.52, 1.0, 0.9504846320134737, 0.8117456539497631, 0.6112620219362893,
        0.38874197806371075, 0.18825834605023697, 0.049519367986526286, 4e-06};
    for (int step = 0; step < torch.length; step++) {
      assertThat(s.lr(step)).as("step %s", step).isEqualTo(torch[step]);
    }
    assertThat(s.lr(10)).as("held where torch would raise").isEqualTo(4e-06);
    assertThat(s.lr(1_000_000)).isEqualTo(4e-06);
    assertThat(((OneCycle) s).finalLr()).isEqualTo(4e-06);
  }

  @Test
  void threePhasesAnnealedLinearlyFallBackToTheStartBeforeTheFinalDecayToTheLastBit() {
    LrSchedule s = create(0.5, "total_steps", 20L, "pct_start", 0.25, "anneal_strategy", "linear", "div_factor", 10.0,
        "final_div_factor", 100.0, "three_phase", true);
    // OneCycleLR(max_lr=0.5, total_steps=20, pct_start=0.25, anneal_strategy="linear", div_factor=10,
    // final_div_factor=100, three_phase=True, cycle_momentum=False)
    double[] torch = {0.05, 0.1625, 0.275, 0.3875, 0.5, 0.3875, 0.275, 0.16249999999999998, 0.04999999999999999,
        0.0455, 0.041, 0.036500000000000005, 0.032, 0.027500000000000004, 0.023000000000000003, 0.018500000000000003,
        0.013999999999999999, 0.009500000000000001, 0.0050000000000000044, 0.0005000000000000004};
    for (int step = 0; step < torch.length; step++) {
      assertThat(s.lr(step)).as("step %s", step).isEqualTo(torch[step]);
    }
  }

  @Test
  void cycledMomentumFallsWhileTheRateRisesAndRisesWhileItFallsAsTorchsToTheLastBit() {
    LrSchedule s = create(0.1, "total_steps", 6L, "cycle_momentum", true);
    // OneCycleLR(SGD(lr=0.1, momentum=0.9), max_lr=0.1, total_steps=6): the group's momentum before each step
    double[] torch = {0.95, 0.8505584586887436, 0.8688255099070633, 0.9037365046793212, 0.9366525935914912, 0.95};
    for (int step = 0; step < torch.length; step++) {
      assertThat(s.momentum(step)).as("step %s", step).hasValue(torch[step]);
    }
    assertThat(s.momentum(100)).as("held past the cycle, as the rate is").hasValue(0.95);
    assertThat(s.state(2).getDouble("schedule.momentum")).isEqualTo(0.8688255099070633);
    assertThat(s.state(2).getDouble("schedule.lr")).isEqualTo(0.0811745653949763);

    LrSchedule three = create(0.1, "total_steps", 6L, "pct_start", 0.4, "anneal_strategy", "linear", "three_phase",
        true, "cycle_momentum", true, "base_momentum", 0.8, "max_momentum", 0.9);
    // OneCycleLR(max_lr=0.1, total_steps=6, pct_start=0.4, anneal_strategy="linear", three_phase=True,
    // base_momentum=0.8, max_momentum=0.9)
    double[] torchThree = {0.9, 0.8285714285714286, 0.8428571428571429, 0.9, 0.9, 0.9};
    double[] torchThreeRates = {0.004, 0.07257142857142855, 0.0588571428571429, 0.0036364000000000014,
        0.0018184000000000008, 4.0000000000022656e-07};
    for (int step = 0; step < torchThree.length; step++) {
      assertThat(three.momentum(step)).as("step %s", step).hasValue(torchThree[step]);
      assertThat(three.lr(step)).as("step %s", step).isEqualTo(torchThreeRates[step]);
    }
  }

  @Test
  void withoutCycleMomentumTheOptimizersOwnStaysAndTheStateSaysNothingOfIt() {
    LrSchedule s = create(0.1, "total_steps", 6L);
    assertThat(s.momentum(0)).isEmpty();
    assertThat(s.state(0).contains("schedule.momentum")).isFalse();
    assertThat(s).isNotEqualTo(create(0.1, "total_steps", 6L, "cycle_momentum", true))
        .isEqualTo(create(0.1, "total_steps", 6L, "base_momentum", 0.5));
    assertThat(create(0.1, "total_steps", 6L, "cycle_momentum", true).toString())
        .contains("cycle_momentum=true, base_momentum=0.85, max_momentum=0.95");
    assertThatThrownBy(() -> create(0.1, "total_steps", 6L, "cycle_momentum", true, "max_momentum", 1.0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max_momentum");
    assertThatThrownBy(() -> s.momentum(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("global step must be >= 0");
  }

  @Test
  void itsOwnKeysAreDeclaredForItAloneAndTotalStepsIsRequired() {
    assertThat(LrSchedules.OWN_KEYS).containsEntry("onecycle", LrSchedules.ONECYCLE_KEYS);
    for (String key : LrSchedules.ONECYCLE_KEYS) {
      assertThat(LrSchedules.usedBy(key)).as(key).containsExactly("onecycle");
    }
    assertThat(LrSchedules.usedBy("total_steps")).contains("onecycle");
    assertThat(LrSchedules.usedBy("min_lr")).doesNotContain("onecycle");
    assertThatThrownBy(() -> create(1.0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("total_steps");
  }

  @Test
  void aWarmupInFrontIsRefusedNamingTheKeyToUnset() {
    assertThatThrownBy(() -> create(1.0, "total_steps", 100L, "warmup_steps", 10L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("warmup_steps = 10: schedule 'onecycle' warms up by itself").hasMessageContaining(
            "set warmup_steps=0");
  }

  @Test
  void aRiseOfNoStepsIsRefusedAsTorchCannotComputeIt() {
    assertThatThrownBy(() -> create(1.0, "total_steps", 10L, "pct_start", 0.1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("total_steps = 10 and pct_start = 0.1 leaves its rise no steps");
    // torch: OneCycleLR(pct_start=0.1, total_steps=10) raises ZeroDivisionError at its first step; with pct_start=0
    // the fall starts one step before step 0, so its first rate is already below the peak
    assertThat(create(1.0, "total_steps", 10L, "pct_start", 0.0).lr(0)).isEqualTo(0.9755283560345442);
    assertThat(create(1.0, "total_steps", 10L, "pct_start", 0.0).lr(1)).isEqualTo(0.904508879153485);
  }

  @Test
  void badFactorsAndStrategiesAreRefusedNamingTheKey() {
    assertThatThrownBy(() -> create(1.0, "total_steps", 10L, "div_factor", 0.0)).hasMessageContaining("div_factor");
    assertThatThrownBy(() -> create(1.0, "total_steps", 10L, "anneal_strategy", "exp"))
        .hasMessageContaining("anneal_strategy");
    assertThatThrownBy(() -> create(1.0, "total_steps", 10L, "pct_start", 1.5)).hasMessageContaining("pct_start");
    assertThat(create(1.0, "total_steps", 10L)).isEqualTo(LrSchedules.oneCycle(1.0, 10, 0.3, "cos", 25, 1e4, false))
        .isNotEqualTo(LrSchedules.oneCycle(1.0, 10, 0.3, "cos", 25, 1e4, true));
  }
}
