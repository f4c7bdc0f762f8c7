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
