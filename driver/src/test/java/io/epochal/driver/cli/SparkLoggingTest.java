package io.epochal.driver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What the terminal shows of Spark's logs with and without --verbose. */
class SparkLoggingTest {

  @AfterEach
  void restore() {
    SparkLogging.apply(false);
  }

  @Test
  void withoutVerboseTaskTracesAndIgnoredRpcErrorsAreHiddenAndWithItShown() {
    SparkLogging.apply(false);
    assertThat(LogManager.getLogger("org.apache.spark.rpc.netty.Inbox").getLevel()).isEqualTo(Level.FATAL);
    assertThat(LogManager.getLogger("org.apache.spark.executor.Executor").getLevel()).isEqualTo(Level.FATAL);
    assertThat(LogManager.getLogger("org.apache.spark.SparkContext").getLevel()).isEqualTo(Level.WARN);

    SparkLogging.apply(true);
    assertThat(LogManager.getLogger("org.apache.spark.rpc.netty.Inbox").getLevel()).isEqualTo(Level.INFO);
    assertThat(LogManager.getLogger("org.apache.spark.executor.Executor").getLevel()).isEqualTo(Level.INFO);
  }
}
