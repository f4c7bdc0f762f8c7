package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Executors whose JVM cannot start ({@code local-cluster}, executor JVMs of their own, given a stack too small to
 * start with) are started again by the standalone master without limit and the job's stage waits forever: the
 * session cancels its jobs after a few such exits, says the losses once, and the failure is reported as that cause,
 * not retried.
 */
class FailingExecutorsTest {

  @Test
  void executorsThatCannotStartEndTheRunningJobWithTheCauseInsteadOfWaitingForever() {
    List<String> lines = Collections.synchronizedList(new ArrayList<>());
    try (EpochalSpark spark = SparkSessions.builder().setMaster("local-cluster[1,1,1024]")
        .optAppName("failing-executors").optConf("spark.executor.extraJavaOptions", "-Xss1k").build()) {
      spark.onExecutorLost(lines::add);
      StopCauses.Window attempt = StopCauses.Window.begin(spark);

      assertThatThrownBy(() -> spark.jsc().parallelize(List.of(1, 2, 3), 2).count())
          .hasMessageContaining("cancel");

      assertThat(spark.executorsFailing()).hasValueSatisfying(why -> assertThat(why)
          .contains("executors in a row exited before they registered with the driver").contains("exited with code")
          .contains("spark.executor.extraJavaOptions"));
      TrainingException judged = attempt.judge(new TrainingException(FailureReason.TASK_FAILED, 1, 0,
          "epoch 1 round 1 failed: job cancelled", null), spark);
      assertThat(judged.reason()).isEqualTo(FailureReason.EXECUTORS_FAILING);
      assertThat(judged.reason().retryable()).isFalse();
      assertThat(lines).as("the losses are said a few at a time, not thousands of lines")
          .hasSizeBetween(2, 4 + 1).last().asString().contains("executors keep exiting before they start");
    }
  }
}
