package io.epochal.driver.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.train.TrainingConfigs;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code train.ema_decay}: read, refused outside [0, 1), stored only when set, and carried to the workers. */
class EmaKeysTest {

  @TempDir
  Path tmp;

  private Path jobFile;

  @BeforeEach
  void writeJobFile() throws IOException {
    jobFile = SpecFixtures.writeJobFile(tmp);
  }

  private JobSpecResolver.Builder resolver() {
    return SpecFixtures.resolver(jobFile);
  }

  @Test
  void theDecayReachesTheWorkersAndIsStoredOnlyWhenSet() {
    JobSpec none = resolver().build().resolve();
    assertThat(none.ema()).isEqualTo(io.epochal.worker.ema.EmaSettings.NONE);
    assertThat(TrainingConfigs.of(none).emaDecay()).isZero();
    assertThat(none.toHyperParameters().contains(EmaKeys.EMA_DECAY)).as("job.json as before the key existed")
        .isFalse();
    assertThat(resolver().optOverride(EmaKeys.EMA_DECAY, "0").build().resolve().toHyperParameters())
        .isEqualTo(none.toHyperParameters());

    JobSpec averaged = resolver().optOverride(EmaKeys.EMA_DECAY, "0.999").build().resolve();
    assertThat(averaged.toHyperParameters().getDouble(EmaKeys.EMA_DECAY)).isEqualTo(0.999);
    assertThat(JobSpec.fromHyperParameters(averaged.toHyperParameters())).isEqualTo(averaged);
    assertThat(TrainingConfigs.of(averaged).emaDecay()).isEqualTo(0.999);
    assertThat(TrainingConfigs.of(averaged)).isNotEqualTo(TrainingConfigs.of(none));
  }

  @Test
  void anUpdateIntervalIsStoredOnlyWhenNotOneAndRefusedWithoutADecay() {
    JobSpec every = resolver().optOverride(EmaKeys.EMA_DECAY, "0.99").optOverride(EmaKeys.EMA_EVERY_N_STEPS, "4")
        .build().resolve();
    assertThat(every.ema()).isEqualTo(new io.epochal.worker.ema.EmaSettings(0.99, 4));
    assertThat(TrainingConfigs.of(every).ema().everyNSteps()).isEqualTo(4);
    assertThat(resolver().optOverride(EmaKeys.EMA_DECAY, "0.99").optOverride(EmaKeys.EMA_EVERY_N_STEPS, "1").build()
        .resolve().toHyperParameters().contains(EmaKeys.EMA_EVERY_N_STEPS)).as("1, the default, is not stored")
        .isFalse();
    ConfigException alone = SpecFixtures.errorOf(resolver().optOverride(EmaKeys.EMA_EVERY_N_STEPS, "4"));
    assertThat(alone.key()).isEqualTo(EmaKeys.EMA_EVERY_N_STEPS);
    assertThat(alone).hasMessageContaining("train.ema_every_n_steps = 4 (from --set train.ema_every_n_steps) says how "
        + "often the moving average is updated, but the job keeps none: set train.ema_decay (0.999, say), or remove "
        + "train.ema_every_n_steps");
    assertThat(SpecFixtures.errorOf(resolver().optOverride(EmaKeys.EMA_DECAY, "0.99")
        .optOverride(EmaKeys.EMA_EVERY_N_STEPS, "0"))).hasMessageContaining("train.ema_every_n_steps");
  }

  @Test
  void aWarmUpReachesTheWorkersWithTimmsDefaultsAndIsStoredOnlyWhenSet() {
    JobSpec warm = resolver().optOverride(EmaKeys.EMA_DECAY, "0.999").optOverride(EmaKeys.EMA_WARMUP, "true").build()
        .resolve();
    assertThat(warm.ema()).isEqualTo(new io.epochal.worker.ema.EmaSettings(0.999, 1, 2 / 3.0, 1.0));
    assertThat(TrainingConfigs.of(warm).ema().decayAfter(1)).isEqualTo(0.3700394750525634);
    assertThat(warm.toHyperParameters().getBoolean(EmaKeys.EMA_WARMUP)).isTrue();
    assertThat(warm.toHyperParameters().contains(EmaKeys.EMA_WARMUP_POWER)).as("2/3, the default").isFalse();
    assertThat(JobSpec.fromHyperParameters(warm.toHyperParameters())).isEqualTo(warm);

    JobSpec shaped = resolver().optOverride(EmaKeys.EMA_DECAY, "0.999").optOverride(EmaKeys.EMA_WARMUP, "true")
        .optOverride(EmaKeys.EMA_WARMUP_POWER, "0.75").optOverride(EmaKeys.EMA_WARMUP_GAMMA, "10").build().resolve();
    assertThat(shaped.ema()).isEqualTo(new io.epochal.worker.ema.EmaSettings(0.999, 1, 0.75, 10));
    assertThat(JobSpec.fromHyperParameters(shaped.toHyperParameters())).isEqualTo(shaped);
    assertThat(resolver().optOverride(EmaKeys.EMA_DECAY, "0.999").optOverride(EmaKeys.EMA_WARMUP, "false").build()
        .resolve().toHyperParameters()).as("false, the default, is not stored")
        .isEqualTo(resolver().optOverride(EmaKeys.EMA_DECAY, "0.999").build().resolve().toHyperParameters());
  }

  @Test
  void aWarmUpWithoutADecayOrItsShapeWithoutAWarmUpIsRefusedNamingTheKey() {
    ConfigException noDecay = SpecFixtures.errorOf(resolver().optOverride(EmaKeys.EMA_WARMUP, "true"));
    assertThat(noDecay.key()).isEqualTo(EmaKeys.EMA_WARMUP);
    assertThat(noDecay).hasMessageContaining("train.ema_warmup = true (from --set train.ema_warmup) says how the "
        + "moving average is warmed up, but the job keeps none: set train.ema_decay (0.999, say)");
    ConfigException noWarmUp = SpecFixtures.errorOf(resolver().optOverride(EmaKeys.EMA_DECAY, "0.99")
        .optOverride(EmaKeys.EMA_WARMUP_POWER, "0.75"));
    assertThat(noWarmUp.key()).isEqualTo(EmaKeys.EMA_WARMUP_POWER);
    assertThat(noWarmUp).hasMessageContaining("train.ema_warmup_power = 0.75 (from --set train.ema_warmup_power) "
        + "shapes the warm-up of the moving average's decay, but train.ema_warmup is not true: set "
        + "train.ema_warmup=true, or remove train.ema_warmup_power");
    assertThat(SpecFixtures.errorOf(resolver().optOverride(EmaKeys.EMA_DECAY, "0.99")
        .optOverride(EmaKeys.EMA_WARMUP, "true").optOverride(EmaKeys.EMA_WARMUP_POWER, "0")))
        .hasMessageContaining("train.ema_warmup_power");
    assertThat(SpecFixtures.errorOf(resolver().optOverride(EmaKeys.EMA_DECAY, "0.99")
        .optOverride(EmaKeys.EMA_WARMUP, "true").optOverride(EmaKeys.EMA_WARMUP_GAMMA, "-1")))
        .hasMessageContaining("train.ema_warmup_gamma");
    assertThat(SpecFixtures.errorOf(resolver().optOverride("use_ema_warmup", "true")))
        .hasMessageContaining("diffusers' use_ema_warmup is train.ema_warmup=true");
  }

  @Test
  void aDecayOfOneOrBelowZeroIsRefusedNamingTheKey() {
    ConfigException one = SpecFixtures.errorOf(resolver().optOverride(EmaKeys.EMA_DECAY, "1"));
    assertThat(one.key()).isEqualTo(EmaKeys.EMA_DECAY);
    assertThat(one).hasMessageContaining("train.ema_decay").hasMessageContaining("1");
    assertThat(SpecFixtures.errorOf(resolver().optOverride(EmaKeys.EMA_DECAY, "-0.1")))
        .hasMessageContaining("train.ema_decay");
    assertThat(SpecFixtures.errorOf(resolver().optOverride(EmaKeys.EMA_DECAY, "high")))
        .hasMessageContaining("train.ema_decay");
  }

  @Test
  void timmsAndKerasSpellingsPointAtTheKey() {
    assertThat(SpecFixtures.errorOf(resolver().optOverride("model_ema_decay", "0.99")))
        .hasMessageContaining("train.ema_decay");
    assertThat(SpecFixtures.errorOf(resolver().optOverride("ema_decay", "0.99")))
        .hasMessageContaining("write train.ema_decay");
  }
}
