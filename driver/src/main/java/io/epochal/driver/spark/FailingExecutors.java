package io.epochal.driver.spark;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Notices executors that keep exiting before they finish a single task: an executor JVM that cannot start (a
 * wrong {@code spark.executor.extraJavaOptions}, a missing {@code -javaagent} or native library) makes a
 * standalone master start another at once, without limit, and the job's stage waits forever. After {@value #LIMIT}
 * such exits in a row, with no task finished between them, it gives its verdict once and cancels the running
 * jobs (the training thread's failure is then reported as that verdict, not retried). An executor that finished a
 * task, or an exit Spark's driver asked for (dynamic allocation), does not count.
 */
final class FailingExecutors extends SparkListener {

  /** Exits in a row, of executors that finished no task, after which executors are deemed unable to run. */
  static final int LIMIT = 8;

  private final Set<String> worked = ConcurrentHashMap.newKeySet();
  private final AtomicInteger inARow = new AtomicInteger();
  private final Runnable cancel;
  private volatile String lastReason = "";
  private volatile String verdict;

  /** Calls {@code cancel} (cancel the running jobs) once, when executors are deemed unable to run. */
  FailingExecutors(Runnable cancel) {
    this.cancel = checkNotNull(cancel, "cancel");
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    if (end.reason() instanceof org.apache.spark.Success$) {
      worked.add(end.taskInfo().executorId());
      inARow.set(0);
    }
  }

  @Override
  public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
    String reason = removed.reason() == null ? "" : removed.reason();
    if (worked.contains(removed.executorId()) || !exited(reason)) {
      return;
    }
    lastReason = reason;
    if (inARow.incrementAndGet() == LIMIT && verdict == null) {
      verdict = LIMIT + " executors in a row exited before they finished a task (the last: " + reason + "): their "
          + "JVM cannot start or run, as a setting such as spark.executor.extraJavaOptions, spark.executor."
          + "extraClassPath or spark.executor.memory, or a missing -javaagent or native library causes; the "
          + "executors' stderr (the worker's work directory, <app-id>/<executor-id>/stderr) says why. Fix that "
          + "setting and resume; nothing committed is lost";
      cancel.run();
    }
  }

  /** Whether {@code reason} is an executor process that exited (or was killed), not one the driver removed. */
  static boolean exited(String reason) {
    return reason.contains("exited with code") || reason.contains("external signal");
  }

  /** How many executors in a row exited before they finished a task; 0 once a task finishes. */
  int inARow() {
    return inARow.get();
  }

  /** The last such exit's reason, as Spark gave it. */
  String lastReason() {
    return lastReason;
  }

  /** Why executors are deemed unable to run, once {@value #LIMIT} exited in a row. */
  Optional<String> verdict() {
    return Optional.ofNullable(verdict);
  }
}
