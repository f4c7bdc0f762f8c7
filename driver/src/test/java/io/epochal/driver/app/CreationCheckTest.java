package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobSpecResolver;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Values a worker would refuse when it creates the optimizer or the schedule are refused with the spec. */
class CreationCheckTest {

  private static JobSpecResolver.Builder quickstart(Map<String, String> overrides) {
    return JobSpecResolver.builder().optCatalog(new RegistryModelCatalog())
        .optJobFile(Path.of("../conf/quickstart.properties")).optCheckDataPath(false).optOverrides(overrides);
  }

  private static ConfigException refused(Map<String, String> overrides) {
    Throwable t = catchThrowable(() -> quickstart(overrides).build().resolve());
    assertThat(t).as("%s", overrides).isInstanceOf(ConfigException.class);
    return (ConfigException) t;
  }

  @Test
  void anAdamBetaOfOneIsRefusedNamingTheKeyAndItsSource() {
    ConfigException e = refused(Map.of("optimizer.beta1", "1.0"));
    assertThat(e.key()).isEqualTo("optimizer.beta1");
    assertThat(e).hasMessageContaining("optimizer.beta1: adam beta1 = 1.0 must be in [0, 1) (from --set "
        + "optimizer.beta1); fix it in the job file or with --set optimizer.beta1=<value>");
  }

  @Test
  void sgdNesterovWithoutMomentumIsRefusedNamingNesterov() {
    ConfigException e = refused(Map.of("optimizer.name", "sgd", "optimizer.nesterov", "true"));
    assertThat(e.key()).isEqualTo("optimizer.nesterov");
    assertThat(e).hasMessageContaining("sgd nesterov = true needs momentum > 0 and dampening = 0");
    assertThatCode(() -> quickstart(Map.of("optimizer.name", "sgd", "optimizer.nesterov", "true",
        "optimizer.momentum", "0.9")).build().resolve()).doesNotThrowAnyException();
  }

  @Test
  void aWarmUpStartingAtFactorZeroIsRefusedNamingTheFactor() {
    ConfigException e = refused(Map.of("schedule.warmup_steps", "5", "schedule.warmup_start_factor", "0"));
    assertThat(e.key()).isEqualTo("schedule.warmup_start_factor");
    assertThat(e).hasMessageContaining("warmup_start_factor = 0.0 must be in (0, 1]");
  }

  @Test
  void theQuickstartSpecPassesAsItIs() {
    assertThatCode(() -> quickstart(Map.of()).build().resolve()).doesNotThrowAnyException();
  }
}
