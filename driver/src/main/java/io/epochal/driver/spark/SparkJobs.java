package io.epochal.driver.spark;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
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
      if (!jsc.sc().isStopped()) { // a stopped context freed it, and would throw over the failure of body
        broadcast.destroy();
      }
    }
  }

  /**
   * Collects {@code result}, computed from {@code shuffled} (an RDD whose own dependency is a
   * shuffle), and then removes that shuffle's files from the executors (also on failure): Spark's
   * cleaner removes a shuffle only once the driver's garbage collector finds it unreferenced, which
   * a driver allocating little may not do for many rounds, each of whose shuffles holds every
   * worker's whole state.
   */
  public static <T> List<T> collectThenReleaseShuffle(JavaRDD<T> result, RDD<?> shuffled) {
    checkNotNull(result, "result");
    checkNotNull(shuffled, "shuffled");
    try {
      return result.collect();
    } finally {
      scala.collection.Iterator<org.apache.spark.Dependency<?>> deps = shuffled.dependencies().iterator();
      SparkContext sc = shuffled.context();
      while (deps.hasNext()) {
        // spark.cleaner.referenceTracking=false runs no cleaner: then Spark keeps every shuffle
        if (deps.next() instanceof org.apache.spark.ShuffleDependency<?, ?, ?> d && sc.cleaner().isDefined()) {
          sc.cleaner().get().doCleanupShuffle(d.shuffleId(), false);
        }
      }
    }
  }
}
