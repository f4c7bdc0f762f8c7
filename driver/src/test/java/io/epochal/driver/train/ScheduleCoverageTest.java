package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.app.RegistryModelCatalog;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The warnings for a schedule that does not fit the job's steps, counted in epochs for a schedule stepped once per
 * epoch ({@code schedule.interval=epoch}), where the hint that its steps are optimizer steps does not apply.
 */
class ScheduleCoverageTest {

  /** The quickstart job (3 epochs) with {@code keys}, its schedule's warning for a job of 96 optimizer steps. */
  private static Optional<String> warning(String... keys) {
    JobSpecResolver.Builder b = JobSpecResolver.builder().optCatalog(new RegistryModelCatalog())
        .optJobFile(Path.of("..", "conf", "quickstart.properties")).optCheckDataPath(false);
    for (int i = 0; i < keys.length; i += 2) {
      b.optOverride(keys[i], keys[i + 1]);
    }
    JobSpec spec = b.build().resolve();
    return ScheduleCoverage.forSteps(spec, 96, false);
  }

  @Test
  void milestonesPastTheJobsEpochsAreWarnedOfInEpochsWhenTheScheduleIsSteppedPerEpoch() {
    assertThat(warning("schedule.name", "multistep", "schedule.milestones", "1,5", "schedule.interval", "epoch"))
        .hasValue("schedule.milestones 5 comes at or after the job's 3 epochs, so the rate is never lowered there");
    assertThat(warning("schedule.name", "multistep", "schedule.milestones", "1,2", "schedule.interval", "epoch"))
        .isEmpty();
    assertThat(warning("schedule.name", "multistep", "schedule.milestones", "1,100")).hasValueSatisfying(w ->
        assertThat(w).startsWith("schedule.milestones 100 comes at or after the job's 96 optimizer steps")
            .contains("an epoch is 32 steps here").endsWith("or schedule.interval=epoch)"));
  }

  @Test
  void aStepDecayAndACosineCountedInEpochsAreWarnedOfInEpochs() {
    assertThat(warning("schedule.name", "step", "schedule.step_size", "1", "schedule.gamma", "0.001",
        "schedule.interval", "epoch")).hasValue("schedule.step_size = 1 multiplies the rate by schedule.gamma = 0.001 "
        + "every 1 epochs: 2 times in the job's 3 epochs, down to 1.00e-06 × optimizer.lr at its last epoch");
    assertThat(warning("schedule.name", "cosine", "schedule.total_steps", "2", "schedule.interval", "epoch"))
        .hasValue("schedule.total_steps = 2: the cosine schedule reaches schedule.min_lr = 0.0 at epoch 2 of the "
            + "job's 3 and holds it for the remaining 1 epochs; for a decay over the whole job set "
            + "schedule.total_steps=3");
    assertThat(warning("schedule.name", "constant", "schedule.warmup_steps", "3", "schedule.interval", "epoch"))
        .hasValue("schedule.warmup_steps = 3 is not shorter than the job's 3 epochs, so the rate never reaches "
            + "optimizer.lr");
  }

  @Test
  void aMovingAverageFirstUpdatedAfterTheJobOrItsFirstEpochIsWarnedOfAsTheStartingWeightsServed() {
    assertThat(warning("train.ema_decay", "0.999", "train.ema_every_n_steps", "200")).hasValueSatisfying(w ->
        assertThat(w).startsWith("train.ema_every_n_steps = 200 is more than the job's 96 optimizer steps, so the "
            + "moving average is never updated: every checkpoint's ema.safetensors holds the starting weights")
            .endsWith("give train.ema_every_n_steps <= 32 (an epoch's steps here) for an average of every epoch"));
    assertThat(warning("train.ema_decay", "0.999", "train.ema_every_n_steps", "40")).hasValueSatisfying(w ->
        assertThat(w).startsWith("train.ema_every_n_steps = 40: the moving average is first updated after optimizer "
            + "step 40, in epoch 2 (an epoch is 32 steps here): the checkpoint of epoch 1 holds the starting weights "
            + "as its moving average, which its val_ metrics"));
    assertThat(warning("train.ema_decay", "0.999", "train.ema_every_n_steps", "70")).hasValueSatisfying(w ->
        assertThat(w).contains("in epoch 3").contains("the checkpoints of epochs 1-2 hold the starting weights as "
            + "their moving average, which their val_ metrics"));
    assertThat(warning("train.ema_decay", "0.999", "train.ema_every_n_steps", "32")).isEmpty();
    JobSpec late = JobSpecResolver.builder().optCatalog(new RegistryModelCatalog())
        .optJobFile(Path.of("..", "conf", "quickstart.properties")).optCheckDataPath(false)
        .optOverride("train.ema_decay", "0.999").optOverride("train.ema_every_n_steps", "200").build().resolve();
    assertThat(ScheduleCoverage.forSteps(late, 96, true)).hasValueSatisfying(w -> assertThat(w)
        .contains("a resume keeps it: train a new job (in another job.dir) with train.ema_every_n_steps <= 32")
        .doesNotContain("; give train.ema_every_n_steps"));
  }
}
