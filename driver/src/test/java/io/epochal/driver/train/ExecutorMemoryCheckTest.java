package io.epochal.driver.train;

import static io.epochal.driver.train.ExecutorMemoryCheck.SHARDED_COPIES;
import static io.epochal.driver.train.ExecutorMemoryCheck.WHOLE_STATE_COPIES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * The estimate that warns, before the first round, of executors too small for the job's state,
 * against the runs it was calibrated on (Adam on local-cluster).
 */
class ExecutorMemoryCheckTest {

  private static final long MB = 1_000_000L;
  private static final long STATE = 250 * MB;

  @Test
  void oneWorkersStateThatRanExecutorsOutOfMemoryIsWarnedOfWithTheSettingToGive() {
    // one worker: 250 MB ran 1g executors out of memory; 2.3 GiB ran 6g and 8g executors out
    assertThat(ExecutorMemoryCheck.shortfall(STATE, WHOLE_STATE_COPIES, 1, 1024)).hasValueSatisfying(w -> assertThat(w)
        .startsWith("the job's state is 238 MiB and an executor's heap holds it about 4 times over while a task returns "
            + "it (one worker, its whole state as one task result; 1 task at once per executor): about 1254 MiB with "
            + "Spark's own 300, more than 75 % of spark.executor.memory = 1024 MiB; the executors may run out of memory")
        .endsWith("Give them more: --conf spark.executor.memory=2g (spark-submit: --executor-memory 2g)"));
    long big = 2305L << 20;
    assertThat(ExecutorMemoryCheck.shortfall(big, WHOLE_STATE_COPIES, 1, 6 * 1024)).isPresent();
    assertThat(ExecutorMemoryCheck.shortfall(big, WHOLE_STATE_COPIES, 1, 8 * 1024)).hasValueSatisfying(w -> assertThat(w)
        .contains("about 9520 MiB").endsWith("--conf spark.executor.memory=13g (spark-submit: --executor-memory 13g)"));
  }

  @Test
  void twoWorkersOnOneSmallExecutorAreWarnedOfButNotOnExecutorsThatTrainedThem() {
    // two workers: trained on 2g executors running one task each, and on one 2g executor running both
    assertThat(ExecutorMemoryCheck.shortfall(STATE, WHOLE_STATE_COPIES, 1, 2048)).as("one worker on 2g").isEmpty();
    assertThat(ExecutorMemoryCheck.shortfall(STATE, SHARDED_COPIES, 1, 2048)).isEmpty();
    assertThat(ExecutorMemoryCheck.shortfall(STATE, SHARDED_COPIES, 2, 2048)).isEmpty();
    // ... and ran one 1g executor running both out of memory
    assertThat(ExecutorMemoryCheck.shortfall(STATE, SHARDED_COPIES, 2, 1024)).hasValueSatisfying(w -> assertThat(w)
        .contains("about 2 times over while a task returns it (each worker's shards through the aggregation's shuffle; "
            + "2 tasks at once per executor): about 1254 MiB"));
    assertThat(ExecutorMemoryCheck.shortfall(MB, WHOLE_STATE_COPIES, 1, 1024)).as("a small model on the default 1g")
        .isEmpty();
  }

  @Test
  void theResumeCommandOfExecutorsThatRanOutOfMemoryGivesThemTheLargerMemoryInsteadOfTheirOwn() {
    String larger = ExecutorMemoryCheck.largerMemoryOption();
    assertThat(ExecutorMemoryCheck.withLargerMemory("bin/epochal --master 'local-cluster[2,1,1024]' --conf "
        + "spark.executor.memory=1g resume /jobs/a")).isEqualTo("bin/epochal --conf " + larger + " --master "
        + "'local-cluster[2,1,1024]' resume /jobs/a");
    assertThat(ExecutorMemoryCheck.withLargerMemory("spark-submit --executor-memory 1g --class X app.jar resume "
        + "/jobs/a")).isEqualTo("spark-submit --conf " + larger + " --class X app.jar resume /jobs/a");
    assertThat(ExecutorMemoryCheck.withLargerMemory("bin/epochal resume /jobs/a")).as("none given")
        .isEqualTo("bin/epochal --conf " + larger + " resume /jobs/a");
  }

  @Test
  void nonsenseSizesAreRefusedNamingTheValue() {
    assertThatThrownBy(() -> ExecutorMemoryCheck.shortfall(MB, 0, 1, 1024)).hasMessage("copies must be >= 1, got 0");
    assertThatThrownBy(() -> ExecutorMemoryCheck.shortfall(MB, 4, 0, 1024))
        .hasMessage("tasksAtOnce must be >= 1, got 0");
    assertThatThrownBy(() -> ExecutorMemoryCheck.shortfall(MB, 4, 1, 0))
        .hasMessage("executorMemoryMb must be > 0, got 0");
  }
}
