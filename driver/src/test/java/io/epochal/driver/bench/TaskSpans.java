package io.epochal.driver.bench;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.TaskInfo;

/**
 * Every finished task's launch and finish time (wall-clock ms) and the part the executor spent in
 * the task's own code, so a run's time can be split into time inside tasks and time around them
 * (scheduling, results, aggregation and checkpoints on the driver).
 */
final class TaskSpans extends SparkListener {

  private final List<long[]> spans = new ArrayList<>();

  @Override
  public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
    TaskInfo info = end.taskInfo();
    TaskMetrics m = end.taskMetrics();
    spans.add(new long[] {info.launchTime(), info.finishTime(),
        m == null ? 0 : m.executorRunTime(), m == null ? 0 : m.executorDeserializeTime()});
  }

  /**
   * The idle gaps (ms) around the tasks launched at or after {@code fromMillis} until {@code
   * toMillis}: from the start to the first launch, between one task's finish and the next one's
   * launch, and from the last finish to the end.
   */
  synchronized String gaps(long fromMillis, long toMillis) {
    List<long[]> run = launchedSince(fromMillis);
    run.sort((a, b) -> Long.compare(a[0], b[0]));
    StringBuilder b = new StringBuilder();
    long last = fromMillis;
    for (long[] s : run) {
      b.append(s[0] - last).append(" | ");
      last = Math.max(last, s[1]);
    }
    return b.append(toMillis - last).toString();
  }

  /**
   * Over the tasks launched at or after {@code fromMillis}: their number and the sums of their run
   * and deserialization times in the executor (ms).
   */
  synchronized long[] since(long fromMillis) {
    long[] sums = new long[3];
    for (long[] s : launchedSince(fromMillis)) {
      sums[0]++;
      sums[1] += s[2];
      sums[2] += s[3];
    }
    return sums;
  }

  private List<long[]> launchedSince(long fromMillis) {
    List<long[]> out = new ArrayList<>();
    for (long[] s : spans) {
      if (s[0] >= fromMillis) {
        out.add(s);
      }
    }
    return out;
  }
}
