package io.epochal.worker.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.params.HyperParameters;
import org.junit.jupiter.api.Test;

/**
 * Schedule {@code cosine_restarts} against the rates PyTorch's CosineAnnealingWarmRestarts gives
 * (docs/torch_equations.py), stepped once per optimizer step.
 */
class CosineRestartsTest {

  private static LrSchedule create(double base, Object... kv) {
    HyperParameters.Builder b = HyperParameters.builder().put("schedule", "cosine_restarts");
    for (int i = 0; i < kv.length; i += 2) {
      b.put((String) kv[i], kv[i + 1]);
    }
    return LrSchedules.create(base, b.build());
  }

  @Test
  void cyclesOfOneLengthRestartAtTheBaseRateToTheLastBit() {
    LrSchedule s = create(0.1, "restart_steps", 4L);
    // CosineAnnealingWarmRestarts(T_0=4) on lr 0.1, its rate before each step
    double[] torch = {0.1, 0.08535533905932738, 0.05, 0.014644660940672627, 0.1, 0.08535533905932738, 0.05,
        0.014644660940672627, 0.1, 0.08535533905932738};
    for (int step = 0; step < torch.length; step++) {
      assertThat(s.lr(step)).as("step %s", step).isEqualTo(torch[step]);
    }
    assertThat(s.lr(4_000_000_001L)).isEqualTo(torch[1]);
  }

  @Test
  void cyclesThatGrowByRestartMultFallTowardsMinLrToTheLastBit() {
    LrSchedule s = create(0.5, "restart_steps", 3L, "restart_mult", 2L, "min_lr", 0.01);
    // CosineAnnealingWarmRestarts(T_0=3, T_mult=2, eta_min=0.01) on lr 0.5: restarts at steps 3, 9 and 21
    double[] torch = {0.5, 0.3775, 0.13250000000000006, 0.5, 0.4671762239271875, 0.3775, 0.255, 0.13250000000000006,
        0.04282377607281252, 0.5, 0.4916518274408217, 0.4671762239271875, 0.4282411613907041, 0.3775,
        0.3184106660501176, 0.255, 0.19158933394988245, 0.13250000000000006, 0.08175883860929586,
        0.04282377607281252, 0.01834817255917829, 0.5};
    for (int step = 0; step < torch.length; step++) {
      assertThat(s.lr(step)).as("step %s", step).isEqualTo(torch[step]);
    }
    assertThat(s.lr(Long.MAX_VALUE)).as("a cycle longer than any job, without overflow").isBetween(0.01, 0.5);
  }

  @Test
  void itsOwnKeysAreDeclaredForItAloneAndRestartStepsIsRequired() {
    assertThat(LrSchedules.OWN_KEYS).containsEntry("cosine_restarts", LrSchedules.RESTART_KEYS);
    for (String key : LrSchedules.RESTART_KEYS) {
      assertThat(LrSchedules.usedBy(key)).as(key).containsExactly("cosine_restarts");
    }
    assertThat(LrSchedules.usedBy("min_lr")).contains("cosine_restarts");
    assertThat(LrSchedules.params("cosine").get("restart_steps")).isNull();
    assertThatThrownBy(() -> create(1.0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("restart_steps");
    assertThatThrownBy(() -> create(1.0, "restart_steps", 3L, "restart_mult", 0L))
        .hasMessageContaining("restart_mult");
  }

  @Test
  void aWarmupInFrontShiftsTheCyclesByItsSteps() {
    LrSchedule s = create(0.1, "restart_steps", 4L, "warmup_steps", 2L, "warmup_start_factor", 0.0);
    assertThat(s.lr(0)).isEqualTo(0.0);
    assertThat(s.lr(2)).isEqualTo(0.1);
    assertThat(s.lr(3)).isEqualTo(0.08535533905932738);
    assertThat(s.lr(6)).as("the first restart, 4 steps after the warm-up").isEqualTo(0.1);
    assertThat(s).isEqualTo(LrSchedules.withWarmup(LrSchedules.cosineRestarts(0.1, 4, 1, 0), 2, 0.0));
  }
}
