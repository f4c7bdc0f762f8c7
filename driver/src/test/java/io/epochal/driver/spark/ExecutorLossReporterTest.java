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
    new ExecutorLossReporter(lines::add, () -> false, new FailingExecutors(() -> { }, List.of()))
        .onExecutorRemoved(new SparkListenerExecutorRemoved(1L, "0", "Command exited with code 137"));
    assertThat(lines).singleElement().asString()
        .startsWith("executor 0 lost (Command exited with code 137): Spark runs its tasks again")
        .endsWith("nothing of the job is lost" + ExecutorLossReporter.KILLED);
    lines.clear();
    new ExecutorLossReporter(lines::add, () -> false, new FailingExecutors(() -> { }, List.of()))
        .onExecutorRemoved(new SparkListenerExecutorRemoved(1L, "1", "Command exited with code 1"));
    assertThat(lines).singleElement().asString().endsWith("nothing of the job is lost");
  }

  @Test
  void aSigkillIsToldFromOtherExitsInTheWordsOfEachClusterManager() {
    assertThat(List.of("Command exited with code 137", "Container killed on request. Exit code is 137",
        "Container from a bad node: ... Exit status: 137. Diagnostics: ...", "exit code 137"))
        .allMatch(ExecutorLossReporter::killed);
    assertThat(List.of("Command exited with code 1370", "Command exited with code 52", "exit code 1", "137"))
        .noneMatch(ExecutorLossReporter::killed);
  }

  @Test
  void anExecutorThatRanOutOfMemoryIsToldInTheWordsOfEachClusterManager() {
    assertThat(List.of("Command exited with code 52", "Container from a bad node: container_1 on host: h. Exit "
        + "status: 52. Diagnostics: ...", "The executor with id 3 exited with exit code 52(unexpected).",
        "Container killed on request. Exit code is 52")).allMatch(ExecutorLossReporter::outOfMemory);
    assertThat(List.of("Command exited with code 521", "Command exited with code 137", "52", "exit code 5"))
        .noneMatch(ExecutorLossReporter::outOfMemory);
  }

  @Test
  void anExecutorThatExitedOutOfMemoryIsNamedSoWithTheSettingThatGivesItMoreAndCounted() {
    List<String> lines = new ArrayList<>();
    ExecutorLossReporter.OutOfMemoryCount count = new ExecutorLossReporter.OutOfMemoryCount();
    for (SparkListenerExecutorRemoved removed : List.of(
        new SparkListenerExecutorRemoved(1L, "2", "Command exited with code 52"),
        new SparkListenerExecutorRemoved(2L, "3", "Command exited with code 137"))) {
      new ExecutorLossReporter(lines::add, () -> false, new FailingExecutors(() -> { }, List.of()))
          .onExecutorRemoved(removed);
      count.onExecutorRemoved(removed);
    }
    assertThat(lines.get(0)).startsWith("executor 2 ran out of memory (Command exited with code 52, Spark's exit on an "
        + "OutOfMemoryError): Spark runs its tasks again").endsWith("nothing of the job is lost; if the executors keep "
        + "running out, give the executors more (spark.executor.memory, spark-submit --executor-memory) or train a "
        + "smaller model");
    assertThat(lines.get(1)).startsWith("executor 3 lost (Command exited with code 137)")
        .doesNotContain("ran out of memory").endsWith(ExecutorLossReporter.KILLED);
    assertThat(count.get()).as("only the exit on an OutOfMemoryError").isEqualTo(1);
  }

  private static org.apache.spark.scheduler.SparkListenerExecutorAdded added(String id) {
    return new org.apache.spark.scheduler.SparkListenerExecutorAdded(0L, id,
        new org.apache.spark.scheduler.cluster.ExecutorInfo("host", 1,
            scala.collection.immutable.Map$.MODULE$.empty()));
  }

  @Test
  void executorsThatKeepExitingBeforeTheyRegisterAreSaidAFewTimesThenCancelTheJobsAtEveryExitWithTheirCause() {
    List<String> lines = new ArrayList<>();
    java.util.concurrent.atomic.AtomicInteger cancels = new java.util.concurrent.atomic.AtomicInteger();
    FailingExecutors failing = new FailingExecutors(cancels::incrementAndGet, List.of());
    ExecutorLossReporter reporter = new ExecutorLossReporter(lines::add, () -> false, failing);
    for (int i = 1; i <= 12; i++) {
      SparkListenerExecutorRemoved removed = new SparkListenerExecutorRemoved(i, Integer.toString(i),
          "Command exited with code 1");
      failing.onExecutorRemoved(removed); // added first, as the session adds it
      reporter.onExecutorRemoved(removed);
    }
    assertThat(cancels.get()).as("at the 8th and every one after: a job submitted meanwhile waits too").isEqualTo(5);
    assertThat(failing.verdict()).hasValueSatisfying(v -> assertThat(v).startsWith("12 executors in a row exited "
        + "before they registered with the driver (the last: Command exited with code 1)"));
    assertThat(lines).hasSize(ExecutorLossReporter.SAID_IN_A_ROW + 1);
    assertThat(lines.get(ExecutorLossReporter.SAID_IN_A_ROW)).startsWith("executors keep exiting before they "
        + "start (4 in a row; the last: Command exited with code 1)");
    failing.onExecutorAdded(added("13"));
    assertThat(failing.verdict()).as("one started: the verdict is taken back").isEmpty();
    assertThat(failing.inARow()).isZero();
  }

  @Test
  void executorsLostAfterTheyRegisteredOrWhileAnotherRunsAreNotTakenForExecutorsThatCannotStart() {
    java.util.concurrent.atomic.AtomicInteger cancels = new java.util.concurrent.atomic.AtomicInteger();
    FailingExecutors failing = new FailingExecutors(cancels::incrementAndGet, List.of());
    for (int i = 1; i <= 10; i++) { // out of memory, each after it registered
      failing.onExecutorAdded(added("oom-" + i));
      failing.onExecutorRemoved(new SparkListenerExecutorRemoved(i, "oom-" + i, "Command exited with code 52"));
    }
    failing.onExecutorAdded(added("healthy"));
    for (int i = 1; i <= 10; i++) { // a broken host's executors, while a healthy one trains
      failing.onExecutorRemoved(new SparkListenerExecutorRemoved(i, "bad-" + i, "Command exited with code 1"));
    }
    assertThat(failing.inARow()).isZero();
    assertThat(failing.verdict()).isEmpty();
    assertThat(cancels.get()).isZero();
    // executors registered before the listener was added (YARN waits for them inside Spark's start), all lost
    FailingExecutors late = new FailingExecutors(cancels::incrementAndGet, List.of("1", "2", "3", "4", "5", "6",
        "7", "8", "9"));
    for (int i = 1; i <= 9; i++) {
      late.onExecutorRemoved(new SparkListenerExecutorRemoved(i, Integer.toString(i), "Command exited with code 52"));
    }
    assertThat(late.verdict()).isEmpty();
    assertThat(cancels.get()).isZero();
  }

  @Test
  void executorsRemovedWhileTheSessionStopsAreNotReported() {
    List<String> lines = new ArrayList<>();
    AtomicBoolean stopping = new AtomicBoolean();
    ExecutorLossReporter reporter = new ExecutorLossReporter(lines::add, stopping::get,
        new FailingExecutors(() -> { }, List.of()));
    stopping.set(true);
    reporter.onExecutorRemoved(new SparkListenerExecutorRemoved(1L, "1", "Worker shutting down"));
    assertThat(lines).isEmpty();
  }

  @Test
  void executorsTheDriverReleasedAsDynamicAllocationDoesWhenTheyIdleAreNotReportedAsLost() {
    List<String> lines = new ArrayList<>();
    new ExecutorLossReporter(lines::add, () -> false, new FailingExecutors(() -> { }, List.of()))
        .onExecutorRemoved(new SparkListenerExecutorRemoved(1L, "7", "Executor killed by driver."));
    assertThat(lines).isEmpty();
  }
}
