package io.epochal.driver.spark;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Small helpers around Spark's thread-local job properties and broadcasts, so that the scheduler
 * labels its jobs ({@code "epoch 3/10 · round 2/8"}) and never leaks a broadcast.
 */
public final class SparkJobs {

  private SparkJobs() {}

  /** The label of a training round, e.g. {@code "epoch 3/10 · round 2/8"} (1-based). */
  public static String roundLabel(int epoch, int epochs, int round, int rounds) {
    checkArgument(epoch >= 1 && epoch <= epochs, "epoch %s must be in [1, %s]", epoch, epochs);
    checkArgument(round >= 1 && round <= rounds, "round %s must be in [1, %s]", round, rounds);
    return "epoch " + epoch + "/" + epochs + " \u00b7 round " + round + "/" + rounds;
  }

  /** Sets the description shown for jobs started by this thread from now on. */
  public static void describe(JavaSparkContext jsc, String description) {
    checkNotNull(jsc, "jsc");
    jsc.setJobDescription(checkNotNull(description, "description"));
  }

  /**
   * Runs {@code body} with this thread's jobs in group {@code groupId} (cancellable together with
   * {@code jsc.cancelJobGroup(groupId)}) and described as {@code description}; clears the group and
   * the description afterwards, even on failure.
   */
  public static <T> T inJobGroup(JavaSparkContext jsc, String groupId, String description, Supplier<T> body) {
    checkNotNull(jsc, "jsc");
    checkArgument(groupId != null && !groupId.isBlank(), "job group id must not be blank");
    checkNotNull(body, "body");
    jsc.setJobGroup(groupId, checkNotNull(description, "description"), true);
    try {
      return body.get();
    } finally {
      jsc.clearJobGroup();
      jsc.setJobDescription(null);
    }
  }

  /**
   * Broadcasts {@code value}, applies {@code body} to the broadcast and destroys it afterwards (also
   * on failure), so that executors free its blocks. {@code body} must not keep the broadcast.
   */
  public static <V, T> T withBroadcast(JavaSparkContext jsc, V value, Function<Broadcast<V>, T> body) {
    checkNotNull(jsc, "jsc");
    checkNotNull(value, "value");
    checkNotNull(body, "body");
    Broadcast<V> broadcast = jsc.broadcast(value);
    try {
      return body.apply(broadcast);
    } finally {
      broadcast.destroy();
    }
  }
}
