package io.epochal.driver.spark;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;

/**
 * Says, in one line, that Spark lost an executor while a command ran: Spark logs the loss as an
 * error, and the round then simply takes longer, so the command says what follows from it. Not
 * while the session stops (its executors are removed then as a matter of course).
 */
final class ExecutorLossReporter extends SparkListener {

  private final Consumer<String> report;
  private final BooleanSupplier stopping;

  /** Reports each loss to {@code report}, except while {@code stopping} says the session stops. */
  ExecutorLossReporter(Consumer<String> report, BooleanSupplier stopping) {
    this.report = checkNotNull(report, "report");
    this.stopping = checkNotNull(stopping, "stopping");
  }

  @Override
  public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
    if (stopping.getAsBoolean()) {
      return;
    }
    report.accept("executor " + removed.executorId() + " lost (" + removed.reason() + "): Spark runs its tasks "
        + "again on the executors left (or on new ones the cluster starts); a round recomputed from its inputs gives the same result, so nothing of "
        + "the job is lost");
  }
}
