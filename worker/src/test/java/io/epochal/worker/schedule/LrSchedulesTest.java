package io.epochal.worker.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.epochal.params.HyperParameters;
import org.junit.jupiter.api.Test;

class LrSchedulesTest {

  private static LrSchedule create(double base, Object... kv) {
    HyperParameters.Builder b = HyperParameters.builder();
    for (int i = 0; i < kv.length; i += 2) {
      b.put((String) kv[i], kv[i + 1]);
    }
    return LrSchedules.create(base, b.build());
  }

  @Test
  void everyDeclaredKeyIsReadByAtLeastOneScheduleAndStepKeysOnlyByStep() {
    for (io.epochal.params.ParamSpec spec : LrSchedules.params().all()) {
      assertThat(LrSchedules.usedBy(spec.name())).as(spec.name()).isNotEmpty().isSubsetOf(LrSchedules.NAMES);
    }
    assertThat(LrSchedules.usedBy("min_lr"))
        .containsExactlyInAnyOrder("cosine", "cosine_restarts", "linear", "plateau");
    for (String key : LrSchedules.PLATEAU_KEYS) {
      assertThat(LrSchedules.usedBy(key)).as(key).containsExactly("plateau");
    }
    assertThat(LrSchedules.usedBy("warmup_steps")).containsExactlyInAnyOrderElementsOf(LrSchedules.NAMES);
    assertThat(LrSchedules.usedBy("no_such_key")).isEmpty();
  }

  @Test
  void aSchedulesOwnKeysAreDeclaredForThatScheduleOnly() {
    assertThat(LrSchedules.OWN_KEYS).containsEntry("plateau", LrSchedules.PLATEAU_KEYS)
        .containsEntry("multistep", java.util.List.of("milestones"));
    for (String name : LrSchedules.NAMES) {
      java.util.Set<String> declared = new java.util.HashSet<>();
      LrSchedules.params(name).all().forEach(p -> declared.add(p.name()));
      assertThat(declared).as(name).contains("warmup_steps");
      LrSchedules.OWN_KEYS.forEach((owner, keys) -> {
        if (owner.equals(name)) {
          assertThat(declared).as(name).containsAll(keys);
        } else {
          assertThat(declared).as(name).doesNotContainAnyElementsOf(keys);
        }
      });
    }
    assertThat(LrSchedules.usedBy("milestones")).containsExactly("multistep");
    assertThat(LrSchedules.usedBy("gamma")).containsExactlyInAnyOrder("step", "multistep");
  }

  @Test
  void multistepMultipliesByGammaFromEachMilestoneOnAsTorchsMultiStepLr() {
    LrSchedule s = create(1.0, "schedule", "multistep", "milestones", java.util.List.of(3L, 5L), "gamma", 0.5);
    assertThat(s.name()).isEqualTo("multistep");
    // torch: base * gamma ** bisect_right(milestones, step), a milestone's own step already lowered; PyTorch 1.13's
    // MultiStepLR stepped after each step printed these (docs/torch_equations.py)
    double[] expected = {1, 1, 1, 0.5, 0.5, 0.25, 0.25};
    for (int step = 0; step < expected.length; step++) {
      assertThat(s.lr(step)).as("step %s", step).isEqualTo(expected[step]);
    }
    assertThat(s.lr(1_000_000)).isEqualTo(0.25);
    LrSchedule warm = create(1.0, "schedule", "multistep", "milestones", java.util.List.of(3L), "warmup_steps", 2L);
    assertThat(warm.lr(4)).as("milestones count after the warm-up").isEqualTo(1.0);
    assertThat(warm.lr(5)).isCloseTo(0.1, within(1e-15));
    assertThatThrownBy(() -> create(1.0, "schedule", "multistep")).hasMessageContaining("needs milestones")
        .hasMessageContaining("set milestones");
    assertThatThrownBy(() -> create(1.0, "schedule", "multistep", "milestones", java.util.List.of(5L, 3L)))
        .hasMessageContaining("increasing order");
    assertThat(create(1.0, "schedule", "multistep", "milestones", java.util.List.of(3L, 5L), "gamma", 0.5))
        .isEqualTo(s);
  }

  @Test
  void thePlateauScheduleHoldsItsBaseRateBehindAnyWarmup() {
    LrSchedule s = create(0.01, "schedule", "plateau");
    assertThat(s.name()).isEqualTo("plateau");
    assertThat(s.lr(0)).isEqualTo(0.01);
    assertThat(s.lr(123_456)).isEqualTo(0.01);
    LrSchedule warm = create(0.01, "schedule", "plateau", "warmup_steps", 4L, "warmup_start_factor", 0.5);
    assertThat(warm.lr(0)).isEqualTo(0.005);
    assertThat(warm.lr(4)).isEqualTo(0.01);
    assertThat(warm.lr(99)).isEqualTo(0.01);
  }

  @Test
  void defaultScheduleIsConstant() {
    LrSchedule s = create(0.1);
    assertThat(s.name()).isEqualTo("constant");
    assertThat(s.lr(0)).isEqualTo(0.1);
    assertThat(s.lr(1_000_000)).isEqualTo(0.1);
  }

  @Test
  void stepDecayMultipliesByGammaEveryStepSizeSteps() {
    LrSchedule s = create(1.0, "schedule", "step", "step_size", 3, "gamma", 0.5);
    assertThat(s.lr(0)).isEqualTo(1.0);
    assertThat(s.lr(2)).isEqualTo(1.0);
    assertThat(s.lr(3)).isEqualTo(0.5);
    assertThat(s.lr(5)).isEqualTo(0.5);
    assertThat(s.lr(6)).isEqualTo(0.25);
    assertThat(s.lr(9)).isEqualTo(0.125);
  }

  @Test
  void cosineFallsFromBaseToMinLrAndStaysThere() {
    LrSchedule s = create(1.0, "schedule", "cosine", "total_steps", 4, "min_lr", 0.2);
    // min + (base - min) * (1 + cos(pi * step / 4)) / 2
    assertThat(s.lr(0)).isEqualTo(1.0);
    assertThat(s.lr(1)).isCloseTo(0.2 + 0.8 * (1 + Math.sqrt(0.5)) / 2, within(1e-15));
    assertThat(s.lr(2)).isCloseTo(0.6, within(1e-15));
    assertThat(s.lr(3)).isCloseTo(0.2 + 0.8 * (1 - Math.sqrt(0.5)) / 2, within(1e-15));
    assertThat(s.lr(4)).isCloseTo(0.2, within(1e-15));
    assertThat(s.lr(100)).isEqualTo(0.2);
  }

  @Test
  void linearFallsInAStraightLineFromBaseToMinLrAndStaysThere() {
    LrSchedule s = create(1.0, "schedule", "linear", "total_steps", 4, "min_lr", 0.2);
    assertThat(s.name()).isEqualTo("linear");
    // base + (min - base) * step / 4
    assertThat(new double[] {s.lr(0), s.lr(1), s.lr(2), s.lr(3), s.lr(4), s.lr(5), s.lr(1000)})
        .containsExactly(new double[] {1.0, 0.8, 0.6, 0.4, 0.2, 0.2, 0.2}, within(1e-15));
    assertThat(s).isEqualTo(LrSchedules.linear(1.0, 4, 0.2)).hasSameHashCodeAs(LrSchedules.linear(1.0, 4, 0.2))
        .isNotEqualTo(LrSchedules.cosine(1.0, 4, 0.2));
  }

  @Test
  void aLinearDecayToZeroBehindAWarmupIsHuggingFacesLinearScheduleOnceWarm() {
    // get_linear_schedule_with_warmup(warmup=4, training=12): lr * s / 4 below step 4, then lr * (12 - s) / 8
    LrSchedule s = create(0.8, "schedule", "linear", "total_steps", 8, "warmup_steps", 4,
        "warmup_start_factor", 0.25);
    for (int step = 4; step <= 14; step++) {
      assertThat(s.lr(step)).as("step %s", step).isCloseTo(0.8 * Math.max(0, 12 - step) / 8.0, within(1e-15));
    }
    // the warm-up starts at lr * warmup_start_factor, torch's LinearLR; from 0, Hugging Face's warm-up too
    assertThat(new double[] {s.lr(0), s.lr(2)}).containsExactly(new double[] {0.2, 0.5}, within(1e-15));
    LrSchedule hf = create(0.8, "schedule", "linear", "total_steps", 8, "warmup_steps", 4, "warmup_start_factor", 0.0);
    for (int step = 0; step <= 14; step++) {
      double lambda = step < 4 ? step / 4.0 : Math.max(0, 12 - step) / 8.0;
      assertThat(hf.lr(step)).as("step %s", step).isCloseTo(0.8 * lambda, within(1e-15));
    }
  }

  @Test
  void linearRatesAreTorchsAsFloat32AndWithinTheDoublesLastBitsThatTorchsRunningProductLeaves() {
    // torch 1.13 (docs/torch_equations.py): LinearLR multiplies its rate by a factor every step, so its doubles drift
    // from the line by a few ulps (0.001875000000000002 at step 40); the optimizers compute with the float32 rate
    LrSchedule linear = create(0.003, "schedule", "linear", "total_steps", 96, "min_lr", 0.0003);
    // LinearLR(SGD(lr=0.003), start_factor=1, end_factor=0.1, total_iters=96)
    assertTorchRates(linear, new long[] {0, 1, 40, 95, 96, 98},
        0.003, 0.002971875, 0.001875000000000002, 0.00032812499999999997, 0.0003, 0.0003);
    // LinearLR(start_factor=1/3, end_factor=1, total_iters=10), the warm-up in front of a constant rate
    LrSchedule warm = create(0.003, "schedule", "constant", "warmup_steps", 10);
    assertTorchRates(warm, new long[] {0, 1, 3, 8, 9, 10, 11}, 0.001, 0.0012, 0.0015999999999999999,
        0.0025999999999999994, 0.002799999999999999, 0.0029999999999999988, 0.0029999999999999988);
    // Hugging Face's get_linear_schedule_with_warmup(num_warmup_steps=10, num_training_steps=96) as LambdaLR
    LrSchedule hf = create(0.003, "schedule", "linear", "total_steps", 86, "warmup_steps", 10,
        "warmup_start_factor", 0.0);
    assertTorchRates(hf, new long[] {0, 5, 10, 11, 50, 95, 96, 97}, 0.0, 0.0015, 0.003, 0.0029651162790697676,
        0.0016046511627906975, 3.4883720930232556e-05, 0.0, 0.0);
  }

  private static void assertTorchRates(LrSchedule s, long[] steps, double... torch) {
    for (int i = 0; i < steps.length; i++) {
      double lr = s.lr(steps[i]);
      assertThat((float) lr).as("step %s as float32", steps[i]).isEqualTo((float) torch[i]);
      assertThat(lr).as("step %s", steps[i]).isCloseTo(torch[i], within(1e-14 * torch[i]));
    }
  }

  @Test
  void everyScheduleCountsOptimizerStepsUnlessItsIntervalIsEpoch() {
    assertThat(LrSchedules.countsEpochs(HyperParameters.builder().put("schedule", "cosine").build())).isFalse();
    assertThat(LrSchedules.countsEpochs(HyperParameters.builder().put("schedule", "multistep")
        .put("interval", "epoch").build())).isTrue();
    assertThat(LrSchedules.usedBy("interval")).containsExactlyInAnyOrderElementsOf(LrSchedules.NAMES);
    assertThat(LrSchedules.stepOf(true, 4, 123)).isEqualTo(4);
    assertThat(LrSchedules.stepOf(false, 4, 123)).isEqualTo(123);
    assertThatThrownBy(() -> LrSchedules.countsEpochs(HyperParameters.builder().put("interval", "batch").build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("interval");
  }

  @Test
  void warmupRisesLinearlyThenHandsOverToCosineCountedAfterTheWarmup() {
    LrSchedule s = create(0.8, "schedule", "cosine", "total_steps", 4, "warmup_steps", 4,
        "warmup_start_factor", 0.25);
    assertThat(s.name()).isEqualTo("warmup+cosine");
    // warm-up: 0.8 * (0.25 + 0.75 * step / 4)
    assertThat(s.lr(0)).isCloseTo(0.2, within(1e-15));
    assertThat(s.lr(1)).isCloseTo(0.35, within(1e-15));
    assertThat(s.lr(2)).isCloseTo(0.5, within(1e-15));
    assertThat(s.lr(3)).isCloseTo(0.65, within(1e-15));
    // cosine from global step 4: 0.8 * (1 + cos(pi * (step - 4) / 4)) / 2
    assertThat(s.lr(4)).isCloseTo(0.8, within(1e-15));
    assertThat(s.lr(6)).isCloseTo(0.4, within(1e-15));
    assertThat(s.lr(8)).isCloseTo(0.0, within(1e-15));
    assertThat(s.lr(9)).isEqualTo(0.0);
  }

  @Test
  void warmupComposesWithStepDecayAndConstant() {
    LrSchedule step = create(1.0, "schedule", "step", "step_size", 2, "gamma", 0.1, "warmup_steps", 2,
        "warmup_start_factor", 0.5);
    assertThat(new double[] {step.lr(0), step.lr(1), step.lr(2), step.lr(3), step.lr(4)})
        .containsExactly(new double[] {0.5, 0.75, 1.0, 1.0, 0.1}, within(1e-15));
    LrSchedule constant = LrSchedules.withWarmup(LrSchedules.constant(2.0), 10, 1.0 / 3);
    assertThat(constant.lr(0)).isCloseTo(2.0 / 3, within(1e-15));
    assertThat(constant.lr(10)).isEqualTo(2.0);
  }

  @Test
  void stateRecordsNameStepAndCurrentRate() {
    LrSchedule s = create(1.0, "schedule", "step", "step_size", 3, "gamma", 0.5);
    HyperParameters st = s.state(7);
    assertThat(st.getString("schedule.name")).isEqualTo("step");
    assertThat(st.getLong("schedule.step")).isEqualTo(7L);
    assertThat(st.getDouble("schedule.lr")).isEqualTo(0.25);
    assertThat(st.getDouble("schedule.base_lr")).isEqualTo(1.0);
  }

  @Test
  void schedulesAreValuesEqualWhenConfiguredAlike() {
    assertThat(create(0.1, "schedule", "cosine", "total_steps", 10, "warmup_steps", 2))
        .isEqualTo(LrSchedules.withWarmup(LrSchedules.cosine(0.1, 10, 0.0), 2, 1.0 / 3))
        .hasSameHashCodeAs(LrSchedules.withWarmup(LrSchedules.cosine(0.1, 10, 0.0), 2, 1.0 / 3));
    assertThat(LrSchedules.stepDecay(0.1, 3, 0.5)).isNotEqualTo(LrSchedules.stepDecay(0.1, 3, 0.25));
  }

  @Test
  void cosineWithoutTotalStepsIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> create(0.1, "schedule", "cosine"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("total_steps");
    assertThatThrownBy(() -> create(0.1, "schedule", "step"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("step_size");
    assertThatThrownBy(() -> create(0.1, "schedule", "linear"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("total_steps");
  }

  @Test
  void unknownScheduleOrKeyIsRefused() {
    assertThatThrownBy(() -> create(0.1, "schedule", "cyclic"))
        .hasMessageContaining("constant, step, multistep, cosine, cosine_restarts, linear, onecycle, plateau");
    assertThatThrownBy(() -> create(0.1, "warmup_step", 3))
        .hasMessageContaining("did you mean 'warmup_steps'");
    assertThatThrownBy(() -> create(0.1, "warmup_steps", 3, "warmup_start_factor", -0.5))
        .hasMessageContaining("'warmup_start_factor' = -0.5 is out of range; expected number in [0.0, 1.0]");
    assertThatThrownBy(() -> LrSchedules.constant(0.1).lr(-1)).hasMessageContaining("-1");
  }

  @Test
  void aWarmUpInFrontOfAScheduleThatCyclesTheMomentumIsRefusedNotLeftToDropIt() {
    LrSchedule cycling = LrSchedules.oneCycle(0.1, 100, 0.3, "cos", 25, 1e4, false, 0.85, 0.95);
    assertThatThrownBy(() -> LrSchedules.withWarmup(cycling, 10, 0.1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("sets the momentum of every step and warms up by itself");
    LrSchedule plain = LrSchedules.oneCycle(0.1, 100, 0.3, "cos", 25, 1e4, false);
    assertThat(LrSchedules.withWarmup(plain, 10, 0.1).lr(0)).isGreaterThan(0);
  }
}
