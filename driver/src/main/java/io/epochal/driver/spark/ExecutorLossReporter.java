package io.epochal.driver.spark;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;

/**
 * Says, in one line, that Spark lost an executor while a command ran: Spark logs the loss as an
 * error, and the round then simply takes longer, so the command says what follows from it. An
 * executor that exited with Spark's code for an {@code OutOfMemoryError} (52) is named as out of
 * memory, with the setting that gives it more. Not while the session stops (its executors are
 * removed then as a matter of course).
 */
final class ExecutorLossReporter extends SparkListener {

  /** The exit code of an executor that Spark ended on an OutOfMemoryError. */
  static final int OUT_OF_MEMORY_EXIT = 52;

  /** What to do when executors run out of memory. */
  static final String MORE_MEMORY = "give the executors more (spark.executor.memory, spark-submit --executor-memory) "
      + "or train a smaller model";

  /** Executors in a row that exited before they registered whose loss is said one by one. */
  static final int SAID_IN_A_ROW = 3;

  private final Consumer<String> report;
  private final BooleanSupplier stopping;
  private final FailingExecutors failing;

  /**
   * Reports each loss to {@code report}, except while {@code stopping} says the session stops; of executors that
   * keep exiting before they start ({@code failing}), the first {@value #SAID_IN_A_ROW} only, then one line.
   */
  ExecutorLossReporter(Consumer<String> report, BooleanSupplier stopping, FailingExecutors failing) {
    this.report = checkNotNull(report, "report");
    this.stopping = checkNotNull(stopping, "stopping");
    this.failing = checkNotNull(failing, "failing");
  }

  /**
   * Whether Spark removed an executor for {@code reason} because it ran out of memory: an exit with code 52, as the
   * standalone worker ("exited with code 52"), YARN ("Exit status: 52") or Kubernetes ("exited with exit code 52")
   * says it.
   */
  static boolean outOfMemory(String reason) {
    return exitedWith(reason, OUT_OF_MEMORY_EXIT);
  }

  /** Whether {@code reason} says the executor exited with {@code code}, in any cluster manager's words. */
  private static boolean exitedWith(String reason, int code) {
    return reason != null && reason.matches("(?is).*\\b(exit(ed with)? code|exit code is|exit status:?) " + code
        + "\\b.*");
  }

  /** Spark's reason for an executor the driver removed itself (ExecutorKilled): dynamic allocation's idle ones. */
  static final String KILLED_BY_DRIVER = "Executor killed by driver.";

  @Override
  public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
    if (stopping.getAsBoolean() || KILLED_BY_DRIVER.equals(removed.reason())) {
      return; // released, not lost: spark.dynamicAllocation gives back executors that idle
    }
    // the listeners run in the order added: the count already holds this loss
    int inARow = failing.inARow();
    if (inARow > SAID_IN_A_ROW) {
      if (inARow == SAID_IN_A_ROW + 1) {
        report.accept("executors keep exiting before they start (" + inARow + " in a row; the last: "
            + removed.reason() + "); further such losses are not said one by one, and the run stops after "
            + FailingExecutors.LIMIT);
      }
      return;
    }
    String again = "Spark runs its tasks again on the executors left (or on new ones the cluster starts); a round "
        + "recomputed from its inputs gives the same result, so nothing of the job is lost";
    report.accept(outOfMemory(removed.reason())
        ? "executor " + removed.executorId() + " ran out of memory (" + removed.reason() + ", Spark's exit on an "
            + "OutOfMemoryError): " + again + "; if the executors keep running out, " + MORE_MEMORY
        : "executor " + removed.executorId() + " lost (" + removed.reason() + "): " + again
            + (killed(removed.reason()) ? KILLED : ""));
  }

  /** What follows a loss with exit code 137: who sends a SIGKILL, and the setting for the likeliest. */
  static final String KILLED = "; exit code 137 is a SIGKILL: unless someone killed it, a memory limit did (the "
      + "kernel's, YARN's or Kubernetes'), counting the PyTorch engine's tensors, which live outside the JVM heap: if "
      + "the executors keep being killed, give that memory room (YARN, Kubernetes: spark.executor.memoryOverhead; a "
      + "host of its own: fewer executors or tasks on it)";

  /** Whether Spark removed an executor for {@code reason}, an exit with code 137 (a SIGKILL). */
  static boolean killed(String reason) {
    return exitedWith(reason, 137);
  }

  /** Counts the executors Spark removed because they ran out of memory, whether or not a command listens. */
  static final class OutOfMemoryCount extends SparkListener {

    private final java.util.concurrent.atomic.AtomicInteger count = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
      if (outOfMemory(removed.reason())) {
        count.incrementAndGet();
      }
    }

    int get() {
      return count.get();
    }
  }
}
