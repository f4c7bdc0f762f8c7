package io.epochal.driver.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.junit.jupiter.api.Test;

class ExecutorLossReporterTest {

  @Test
  void aLostExecutorIsReportedInOneLineSayingNothingIsLost() {
    List<String> lines = new ArrayList<>();
    new ExecutorLossReporter(lines::add, () -> false)
        .onExecutorRemoved(new SparkListenerExecutorRemoved(1L, "0", "Command exited with code 137"));
    assertThat(lines).singleElement().asString()
        .startsWith("executor 0 lost (Command exited with code 137): Spark runs its tasks again")
        .endsWith("nothing of the job is lost");
  }

  @Test
  void executorsRemovedWhileTheSessionStopsAreNotReported() {
    List<String> lines = new ArrayList<>();
    AtomicBoolean stopping = new AtomicBoolean();
    ExecutorLossReporter reporter = new ExecutorLossReporter(lines::add, stopping::get);
    stopping.set(true);
    reporter.onExecutorRemoved(new SparkListenerExecutorRemoved(1L, "1", "Worker shutting down"));
    assertThat(lines).isEmpty();
  }
}
