package io.epochal.driver.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a stored job whose held-out rows are gone is told it may do: {@link HeldOutAdvice}. */
class HeldOutAdviceTest {

  @TempDir
  Path tmp;

  private String advice(String... overrides) throws Exception {
    JobSpecResolver.Builder b = SpecFixtures.resolver(SpecFixtures.writeJobFile(tmp))
        .optOverride("data.validation_path", java.nio.file.Files.createDirectories(tmp.resolve("validation"))
            .toString());
    for (int i = 0; i < overrides.length; i += 2) {
      b.optOverride(overrides[i], overrides[i + 1]);
    }
    return HeldOutAdvice.of(b.build().resolve().toHyperParameters(), "/jobs/a");
  }

  @Test
  void aJobThatOnlyReportsHeldOutMetricsMayTakeOtherRowsOrNone() throws Exception {
    assertThat(advice()).isEqualTo("give the job others: 'bin/epochal resume /jobs/a --set "
        + "data.validation_path=<path>' (an empty value evaluates on none)");
  }

  @Test
  void aJobRankingItsCheckpointsByAHeldOutMetricIsNotToldItMayTakeNone() throws Exception {
    assertThat(advice("checkpoint.best_metric", "val_loss", "checkpoint.keep_best", "1"))
        .startsWith("give the job others: 'bin/epochal resume /jobs/a --set data.validation_path=<path>' (not none, "
            + "which a resume refuses: ").contains("checkpoint.keep_best").doesNotContain("evaluates on none");
  }

  @Test
  void aJobWhoseRateFollowsAHeldOutMetricIsToldToRestoreOrMoveTheSameRows() throws Exception {
    io.epochal.params.HyperParameters plateau = io.epochal.params.HyperParameters.builder().putAll(
        SpecFixtures.resolver(SpecFixtures.writeJobFile(tmp)).build().resolve().toHyperParameters())
        .put("schedule.name", "plateau").put("schedule.monitor", "val_loss").build(); // as a stored job holds them
    assertThat(HeldOutAdvice.of(plateau, "/jobs/a")).startsWith("restore them, or, "
        + "if they moved, give their new place: 'bin/epochal resume /jobs/a --set data.validation_path=<path>' (the "
        + "same rows: schedule plateau sets the learning rate by their val_loss");
  }
}
