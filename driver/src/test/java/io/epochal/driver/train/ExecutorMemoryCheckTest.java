package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The estimate that warns, before the first round, of executors too small for the job's state. */
class ExecutorMemoryCheckTest {

  private static final long MB = 1_000_000L;
  private static final long GIB = 1L << 30;

  @Test
  void theSizesMeasuredToRunOutOfMemoryAreWarnedOfWithTheSettingToGive() {
    // a 250 MB state ran 1g executors out of memory; a 2.3 GiB one ran 6g and 8g executors out
    assertThat(ExecutorMemoryCheck.shortfall(250 * MB, 1, 1024)).hasValueSatisfying(w -> assertThat(w)
        .startsWith("the job's state is 238 MiB and an executor's heap holds it about 4 times over while a task returns "
            + "it (1 task at once per executor): about 1254 MiB with Spark's own 300, more than 75 % of "
            + "spark.executor.memory = 1024 MiB; the executors may run out of memory")
        .endsWith("Give them more: --conf spark.executor.memory=2g (spark-submit: --executor-memory 2g)"));
    long big = 2305L << 20;
    assertThat(ExecutorMemoryCheck.shortfall(big, 1, 6 * 1024)).isPresent();
    assertThat(ExecutorMemoryCheck.shortfall(big, 1, 8 * 1024)).hasValueSatisfying(w -> assertThat(w)
        .contains("about 9520 MiB").endsWith("--conf spark.executor.memory=13g (spark-submit: --executor-memory 13g)"));
  }

  @Test
  void theSizesMeasuredToTrainAreNotWarnedOfAndTasksAtOnceMultiplyTheNeed() {
    assertThat(ExecutorMemoryCheck.shortfall(250 * MB, 1, 2048)).as("250 MB trained on 2g executors").isEmpty();
    assertThat(ExecutorMemoryCheck.shortfall(250 * MB, 2, 2048)).hasValueSatisfying(w -> assertThat(w)
        .contains("(2 tasks at once per executor): about 2207 MiB"));
    assertThat(ExecutorMemoryCheck.shortfall(GIB / 1024, 1, 1024)).as("a small model on the default 1g").isEmpty();
  }

  @Test
  void nonsenseSizesAreRefusedNamingTheValue() {
    assertThatThrownBy(() -> ExecutorMemoryCheck.shortfall(MB, 0, 1024)).hasMessage("tasksAtOnce must be >= 1, got 0");
    assertThatThrownBy(() -> ExecutorMemoryCheck.shortfall(MB, 1, 0)).hasMessage("executorMemoryMb must be > 0, got 0");
  }
}
