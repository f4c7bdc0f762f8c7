package io.epochal.driver.cli;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * Sets Spark's and Hadoop's log levels for a command: WARN by default, INFO with
 * {@code --verbose}. A log4j2 configuration file (the launcher passes {@code conf/log4j2.properties})
 * sets the rest.
 */
final class SparkLogging {

  private static final String[] NOISY = {"org.apache.spark", "org.apache.hadoop", "org.sparkproject",
      "org.apache.parquet", "io.netty"};

  private SparkLogging() {}

  static void apply(boolean verbose) {
    Level level = verbose ? Level.INFO : Level.WARN;
    for (String logger : NOISY) {
      Configurator.setLevel(logger, level);
    }
    if (verbose) {
      Configurator.setLevel("io.epochal", Level.DEBUG);
    }
  }

  /**
   * Silences Spark, Hadoop and Netty while the JVM shuts down on a signal: their threads are
   * stopped under them, and the errors they then log (a task result rejected by a terminated pool)
   * say nothing the command does not say itself.
   */
  static void quietForShutdown() {
    for (String logger : NOISY) {
      Configurator.setLevel(logger, Level.OFF);
    }
  }
}
