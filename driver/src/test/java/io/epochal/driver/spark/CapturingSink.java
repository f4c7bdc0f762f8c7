package io.epochal.driver.spark;

import com.codahale.metrics.MetricRegistry;
import java.util.Properties;
import org.apache.spark.metrics.sink.Sink;

/**
 * A metrics sink that keeps the registry Spark's metrics system hands its sinks, for tests to read what a
 * Prometheus, JMX or console sink would export; set as {@code spark.metrics.conf.driver.sink.capture.class}.
 */
public final class CapturingSink implements Sink {

  private static volatile MetricRegistry last;

  /** Called by Spark's metrics system with the sink's properties and the registry every sink reports. */
  public CapturingSink(Properties properties, MetricRegistry registry) {
    last = registry;
  }

  /** The registry the last sink made was given. */
  static MetricRegistry registry() {
    return last;
  }

  @Override
  public void start() {}

  @Override
  public void stop() {}

  @Override
  public void report() {}
}
