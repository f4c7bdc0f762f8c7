package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The held-out scores val_auc and val_ap keep are sized before the first epoch trains. */
class HeldOutScoresTest {

  private static final long GIB = 1L << 30;

  @Test
  void aWorkersScoresBeyondKryosLargestBufferAreNoWarningSinceSparkStreamsATasksResultInChunks() {
    // 100 classes of 3M rows on one worker: 2.4 GB in one task's result, as a 2.3 GiB state crossed Spark in one
    assertThat(HeldOutEvaluator.scoresWarning(3_000_000, 100, true, 64 * GIB)).isEmpty();
  }

  @Test
  void theDriversTwoCopiesBeyondAQuarterOfItsHeapAreSaidWithHowToGiveItMore() {
    assertThat(HeldOutEvaluator.scoresWarning(1_000_000, 100, true, 2 * GIB)).hasValueSatisfying(w ->
        assertThat(w).contains("about 1525 MiB of the driver's heap").contains("--driver-memory"));
    assertThat(HeldOutEvaluator.scoresWarning(1_000_000, 100, true, 8 * GIB)).isEmpty();
  }

  @Test
  void jobsThatKeepNoRankedScoresGetNoWarning() {
    assertThat(HeldOutEvaluator.scoresWarning(1_000_000_000, 4, false, GIB)).as("a regression")
        .isEmpty();
    assertThat(HeldOutEvaluator.scoresWarning(1_000_000_000, 101, true, GIB)).as("over 100 classes")
        .isEmpty();
    assertThat(HeldOutEvaluator.scoresWarning(210_000_000, 2, true, 8 * GIB)).as("two classes: 8 "
        + "bytes a row").hasValueSatisfying(w -> assertThat(w).contains("(8 bytes per row)").contains("3204 MiB"));
  }
}
