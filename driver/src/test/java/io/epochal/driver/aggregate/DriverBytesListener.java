package io.epochal.driver.aggregate;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerStageCompleted;

/**
 * Counts the task result bytes the driver receives (Spark's {@code resultSize} task metric: what a
 * task sends back, e.g. its part of a {@code collect}), and notes the shuffle bytes each task read.
 */
final class DriverBytesListener extends SparkListener {

  private final AtomicLong resultBytes = new AtomicLong();
  private final AtomicInteger tasks = new AtomicInteger();
  private final AtomicInteger stages = new AtomicInteger();
  private final java.util.List<Long> shuffleReads = new java.util.concurrent.CopyOnWriteArrayList<>();

  @Override
  public void onTaskEnd(SparkListenerTaskEnd end) {
    if (end.taskMetrics() != null) {
      resultBytes.addAndGet(end.taskMetrics().resultSize());
      shuffleReads.add(end.taskMetrics().shuffleReadMetrics().totalBytesRead());
    }
    tasks.incrementAndGet();
  }

  @Override
  public void onStageCompleted(SparkListenerStageCompleted stageCompleted) {
    stages.incrementAndGet();
  }

  void reset() {
    resultBytes.set(0);
    shuffleReads.clear();
    tasks.set(0);
    stages.set(0);
  }

  /** The shuffle bytes read by each task ended since the last reset, in the order they ended. */
  java.util.List<Long> shuffleReads() {
    return java.util.List.copyOf(shuffleReads);
  }

  /**
   * The result bytes of the tasks ended since the last reset, once {@code sc}'s listener bus has delivered every
   * event posted so far (they arrive asynchronously); fails unless exactly {@code tasks} tasks ended: a job run
   * besides the ones counted on, whose task ends would come last, is not missed.
   */
  long resultBytesOfExactly(int tasks, org.apache.spark.SparkContext sc) {
    try {
      sc.listenerBus().waitUntilEmpty();
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("Spark's listener bus did not deliver its events", e);
    }
    if (this.tasks.get() != tasks) {
      throw new IllegalStateException(this.tasks.get() + " task ends seen, not " + tasks + ": other tasks ran");
    }
    return resultBytes.get();
  }

  /** Waits (events arrive asynchronously) until {@code expectedTasks} tasks ended; returns the bytes. */
  long awaitResultBytes(int expectedTasks, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (tasks.get() < expectedTasks && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    if (tasks.get() < expectedTasks) {
      throw new IllegalStateException("only " + tasks.get() + " of " + expectedTasks + " task ends seen");
    }
    return resultBytes.get();
  }
}
