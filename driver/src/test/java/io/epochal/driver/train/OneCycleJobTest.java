package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.epochal.driver.app.RegistryModelCatalog;
import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.params.HyperParameters;
import io.epochal.worker.schedule.LrSchedules;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A job of schedule {@code onecycle}, as the driver resolves, stores and checks it: its keys stored
 * only for it, a warm-up in front refused, and a cycle that is not the job's steps warned of.
 */
class OneCycleJobTest {

  private static JobSpecResolver.Builder quickstart() {
    return JobSpecResolver.builder().optCatalog(new RegistryModelCatalog())
        .optJobFile(Path.of("..", "conf", "quickstart.properties")).optCheckDataPath(false)
        .optOverride("schedule.name", "onecycle");
  }

  private static ConfigException errorOf(JobSpecResolver.Builder b) {
    Throwable t = catchThrowable(() -> b.build().resolve());
    assertThat(t).isInstanceOf(ConfigException.class);
    return (ConfigException) t;
  }

  @Test
  void onlyAOneCycleJobStoresItsKeysWithTorchsDefaults() {
    JobSpec spec = quickstart().optOverride("schedule.total_steps", "96").build().resolve();
    HyperParameters stored = spec.toHyperParameters();
    assertThat(stored.getLong("schedule.total_steps")).isEqualTo(96);
    assertThat(stored.getDouble("schedule.pct_start")).isEqualTo(0.3);
    assertThat(stored.getString("schedule.anneal_strategy")).isEqualTo("cos");
    assertThat(stored.getDouble("schedule.div_factor")).isEqualTo(25.0);
    assertThat(stored.getDouble("schedule.final_div_factor")).isEqualTo(1e4);
    assertThat(stored.getBoolean("schedule.three_phase")).isFalse();
    assertThat(JobSpec.fromHyperParameters(stored, new RegistryModelCatalog())).isEqualTo(spec);
    for (String key : new String[] {"schedule.cycle_momentum", "schedule.base_momentum", "schedule.max_momentum"}) {
      assertThat(stored.contains(key)).as("stored as a one-cycle job made before %s existed", key).isFalse();
    }

    JobSpec constant = quickstart().optOverride("schedule.name", "constant").build().resolve();
    for (String key : LrSchedules.ONECYCLE_KEYS) {
      assertThat(constant.toHyperParameters().contains("schedule." + key)).as("job.json as before onecycle: %s", key)
          .isFalse();
    }
    assertThat(errorOf(quickstart().optOverride("schedule.name", "cosine").optOverride("schedule.total_steps", "10")
        .optOverride("schedule.div_factor", "10"))).hasMessageContaining("only onecycle reads it");
  }

  @Test
  void aOneCycleJobWithoutTotalStepsOrWithAWarmupOrAPyTorchOnlyKeyIsRefusedNamingTheKey() {
    assertThat(errorOf(quickstart())).hasMessageContaining("schedule.total_steps");
    assertThat(errorOf(quickstart().optOverride("schedule.total_steps", "96")
        .optOverride("schedule.warmup_steps", "10"))).hasMessageStartingWith("schedule.warmup_steps: warmup_steps = "
        + "10: schedule 'onecycle' warms up by itself").hasMessageContaining("set warmup_steps=0");
    assertThat(errorOf(quickstart().optOverride("schedule.total_steps", "10").optOverride("schedule.pct_start", "0.1")))
        .hasMessageContaining("leaves its rise no steps");
    assertThat(errorOf(quickstart().optOverride("schedule.total_steps", "96").optOverride("schedule.max_lr", "0.1")))
        .hasMessageContaining("schedule onecycle peaks at optimizer.lr");
    assertThat(errorOf(quickstart().optOverride("schedule.total_steps", "96").optOverride("schedule.min_lr", "0.1")))
        .hasMessageContaining("schedule.min_lr");
  }

  @Test
  void aJobCyclingTheMomentumStoresItsKeysAndOneOfAnOptimizerWithoutMomentumIsRefusedSayingWhatToSet() {
    JobSpec spec = quickstart().optOverride("schedule.total_steps", "96").optOverride("schedule.cycle_momentum", "true")
        .optOverride("schedule.base_momentum", "0.8").build().resolve();
    HyperParameters stored = spec.toHyperParameters();
    assertThat(stored.getBoolean("schedule.cycle_momentum")).isTrue();
    assertThat(stored.getDouble("schedule.base_momentum")).isEqualTo(0.8);
    assertThat(stored.contains("schedule.max_momentum")).as("torch's 0.95, as a job without the key reads").isFalse();
    assertThat(JobSpec.fromHyperParameters(stored, new RegistryModelCatalog())).isEqualTo(spec);

    ConfigException sgd = errorOf(quickstart().optOverride("schedule.total_steps", "96")
        .optOverride("schedule.cycle_momentum", "true").optOverride("optimizer.name", "sgd"));
    assertThat(sgd.key()).isEqualTo("optimizer.momentum");
    assertThat(sgd.getMessage()).startsWith("schedule.cycle_momentum = true (from --set schedule.cycle_momentum)")
        .contains("optimizer sgd has optimizer.momentum = 0 and keeps no momentum buffer: set optimizer.momentum "
            + "above 0")
        .contains("or schedule.cycle_momentum=false");
    assertThat(quickstart().optOverride("schedule.total_steps", "96").optOverride("schedule.cycle_momentum", "true")
        .optOverride("optimizer.name", "sgd").optOverride("optimizer.momentum", "0.9").build().resolve()
        .toHyperParameters().getBoolean("schedule.cycle_momentum")).isTrue();
    assertThat(errorOf(quickstart().optOverride("schedule.total_steps", "96").optOverride("schedule.cycle_momentum",
        "true").optOverride("schedule.max_momentum", "1"))).hasMessageContaining("schedule.max_momentum");
    assertThat(errorOf(quickstart().optOverride("schedule.name", "cosine").optOverride("schedule.total_steps", "10")
        .optOverride("schedule.cycle_momentum", "true"))).hasMessageContaining("only onecycle reads it");
  }

  @Test
  void aCycledMomentumOfZeroIsRefusedForSgdAndRmspropWhichTorchWouldStepWithoutTheirBufferAndTakenByAdam() {
    for (String optimizer : List.of("sgd", "rmsprop")) {
      ConfigException zero = errorOf(quickstart().optOverride("schedule.total_steps", "96")
          .optOverride("schedule.cycle_momentum", "true").optOverride("optimizer.name", optimizer)
          .optOverride("optimizer.momentum", "0.9").optOverride("schedule.base_momentum", "0"));
      assertThat(zero.key()).as(optimizer).isEqualTo("schedule.base_momentum");
      assertThat(zero.getMessage()).contains("makes the momentum of some steps 0: torch's " + optimizer)
          .contains("set schedule.base_momentum above 0, or schedule.cycle_momentum=false");
    }
    assertThat(quickstart().optOverride("schedule.total_steps", "96").optOverride("schedule.cycle_momentum", "true")
        .optOverride("schedule.base_momentum", "0").build().resolve().toHyperParameters()
        .getDouble("schedule.base_momentum")).as("adam's first beta may be 0").isZero();
  }

  @Test
  void aCycleShorterThanTheJobIsWarnedOfWithTheRateItHoldsAndALongerOneWithTheRateTheJobEndsAt() {
    JobSpec exact = quickstart().optOverride("schedule.total_steps", "96").build().resolve();
    assertThat(ScheduleCoverage.forSteps(exact, 96, false)).isEmpty();

    Optional<String> shorter = ScheduleCoverage.forSteps(quickstart().optOverride("schedule.total_steps", "32")
        .build().resolve(), 96, false);
    assertThat(shorter).hasValueSatisfying(w -> assertThat(w).startsWith("schedule.total_steps = 32: the onecycle "
        + "schedule ends its cycle at step 32 of the job's 96 and holds its last rate, 1.20e-08, for the remaining 64 "
        + "steps (PyTorch's OneCycleLR raises there); set schedule.total_steps=96 for one cycle over the job's steps"));

    Optional<String> longer = ScheduleCoverage.forSteps(quickstart().optOverride("schedule.total_steps", "300")
        .build().resolve(), 96, true);
    assertThat(longer).hasValueSatisfying(w -> assertThat(w).startsWith("schedule.total_steps = 300 is more than the "
        + "job's 96 optimizer steps: the job ends at rate ").contains("before the cycle falls to 1.20e-08 at step 300")
        .contains("an epoch is 32 steps here").endsWith("train a new job (in another job.dir) with "
        + "schedule.total_steps=96 for one cycle over the job's steps (a job's schedule is part of what it trains: a "
        + "resume keeps it)"));
  }
}
