package io.epochal.driver.bench;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Sums Spark's task metrics, split into the tasks that write shuffle output (a round's worker
 * tasks: {@code LocalRound.run} and splitting the state into shard pieces) and the others (the
 * shard reducers), to tell the time tasks spend from the time around them.
 */
final class TaskTimes extends SparkListener {

  private final AtomicInteger tasks = new AtomicInteger();
  private final AtomicInteger workerTasks = new AtomicInteger();
  private final AtomicLong workerRunMs = new AtomicLong();
  private final AtomicLong shuffleWriteNs = new AtomicLong();
  private final AtomicLong reducerRunMs = new AtomicLong();
  private final AtomicLong deserializeMs = new AtomicLong();
  private final AtomicLong gcMs = new AtomicLong();

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    TaskMetrics m = end.taskMetrics();
    if (m != null) {
      if (m.shuffleWriteMetrics().bytesWritten() > 0) {
        workerTasks.incrementAndGet();
        workerRunMs.addAndGet(m.executorRunTime());
        shuffleWriteNs.addAndGet(m.shuffleWriteMetrics().writeTime());
      } else {
        reducerRunMs.addAndGet(m.executorRunTime());
      }
      deserializeMs.addAndGet(m.executorDeserializeTime());
      gcMs.addAndGet(m.jvmGCTime());
    }
    tasks.incrementAndGet();
  }

  /** Forgets everything seen so far. */
  void reset() {
    tasks.set(0);
    workerTasks.set(0);
    workerRunMs.set(0);
    shuffleWriteNs.set(0);
    reducerRunMs.set(0);
    deserializeMs.set(0);
    gcMs.set(0);
  }

  /** Waits until {@code expected} task ends arrived (the listener bus is asynchronous). */
  void await(int expected, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (tasks.get() < expected && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    if (tasks.get() < expected) {
      throw new IllegalStateException("only " + tasks.get() + " of " + expected + " task ends arrived in " + timeout);
    }
  }

  /** Mean run time of a worker task, in ms. */
  double workerTaskMs() {
    return (double) workerRunMs.get() / Math.max(1, workerTasks.get());
  }

  /** Mean shuffle write time of a worker task, in ms. */
  double shuffleWriteMs() {
    return shuffleWriteNs.get() / 1e6 / Math.max(1, workerTasks.get());
  }

  /** Mean run time of a reducer task, in ms. */
  double reducerTaskMs() {
    return (double) reducerRunMs.get() / Math.max(1, tasks.get() - workerTasks.get());
  }

  /** Mean task deserialization time over all tasks, in ms. */
  double deserializeMs() {
    return (double) deserializeMs.get() / Math.max(1, tasks.get());
  }

  /** Mean GC time over all tasks, in ms. */
  double gcMs() {
    return (double) gcMs.get() / Math.max(1, tasks.get());
  }
}
