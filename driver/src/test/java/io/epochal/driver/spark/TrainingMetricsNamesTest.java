package io.epochal.driver.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.codahale.metrics.Gauge;
import org.apache.spark.SparkEnv;
import org.apache.spark.metrics.source.Source;
import org.junit.jupiter.api.Test;

/**
 * Two jobs of one name training in one driver JVM each keep gauges of their own in Spark's metrics
 * system, which keeps only the first source of a name; the name is free again once its job ends.
 */
class TrainingMetricsNamesTest {

  /** The {@code epoch} gauge of the registered source {@code name}, or null when none is registered. */
  private static Object epochOf(String name) {
    scala.collection.immutable.Seq<Source> found = SparkEnv.get().metricsSystem().getSourcesByName(name);
    return found.isEmpty() ? null : ((Gauge<?>) found.head().metricRegistry().getGauges().get("epoch")).getValue();
  }

  @Test
  void aSecondJobOfTheSameNameGetsASourceOfItsOwnAndTheFirstNameIsFreeOnceItsJobEnds() throws Exception {
    try (EpochalSpark spark = SparkSessions.builder().setMaster("local[1]").optAppName("metrics-names").build()) {
      try (TrainingMetrics first = TrainingMetrics.register("nightly run");
           TrainingMetrics second = TrainingMetrics.register("nightly run")) {
        assertThat(first.sourceName()).isEqualTo("epochal.nightly_run");
        assertThat(second.sourceName()).isEqualTo("epochal.nightly_run-2");
        first.round(3, 10, 1, 8, 100, 50.0, 0.5);
        second.round(7, 10, 1, 8, 300, 50.0, 0.5);
        assertThat(epochOf("epochal.nightly_run")).isEqualTo(3);
        assertThat(epochOf("epochal.nightly_run-2")).isEqualTo(7);

        first.close();
        first.close(); // once: the second close frees no name another job took meanwhile
        assertThat(epochOf("epochal.nightly_run")).as("removed with its job").isNull();
        try (TrainingMetrics third = TrainingMetrics.register("nightly run");
             TrainingMetrics fourth = TrainingMetrics.register("nightly run")) {
          assertThat(third.sourceName()).as("the freed name").isEqualTo("epochal.nightly_run");
          assertThat(fourth.sourceName()).isEqualTo("epochal.nightly_run-3");
        }
        assertThat(epochOf("epochal.nightly_run-2")).isEqualTo(7);
      }
      assertThat(epochOf("epochal.nightly_run-2")).isNull();
    }
  }

  @Test
  void aJobEndingLeavesTheGaugesOfJobsWhoseNamesBeginWithItsInWhatTheSinksExport() throws Exception {
    try (EpochalSpark spark = SparkSessions.builder().setMaster("local[1]").optAppName("metrics-sinks")
        .optConf("spark.metrics.conf.driver.sink.capture.class", CapturingSink.class.getName()).build()) {
      try (TrainingMetrics first = TrainingMetrics.register("mnist");
           TrainingMetrics second = TrainingMetrics.register("mnist");
           TrainingMetrics big = TrainingMetrics.register("mnist_big")) {
        second.round(7, 10, 1, 8, 300, 50.0, 0.5);
        assertThat(exported("epochal.mnist-2.epoch")).isEqualTo(7);

        first.close(); // Spark removes every metric whose name begins with the source's

        assertThat(exported("epochal.mnist.epoch")).as("removed with its job").isNull();
        assertThat(exported("epochal.mnist-2.epoch")).isEqualTo(7);
        assertThat(exported("epochal.mnist_big.epoch")).isEqualTo(0);
        assertThat(SparkEnv.get().metricsSystem().getSourcesByName("epochal.mnist-2").size()).isEqualTo(1);
        second.close();
        assertThat(exported("epochal.mnist-2.epoch")).isNull();
        assertThat(exported("epochal.mnist_big.epoch")).isEqualTo(0);
      }
    }
  }

  /** The value of the gauge that the sinks export as {@code <app id>.driver.<name>}, or null when there is none. */
  private static Object exported(String name) {
    return CapturingSink.registry().getGauges().entrySet().stream()
        .filter(e -> e.getKey().endsWith(".driver." + name)).map(e -> e.getValue().getValue()).findFirst()
        .orElse(null);
  }
}
