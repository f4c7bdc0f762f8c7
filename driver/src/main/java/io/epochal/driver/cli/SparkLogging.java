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

  private static final String TASK_ERRORS = "org.apache.spark.executor.Executor";
  private static final String TASK_WARNINGS = "org.apache.spark.scheduler.TaskSetManager";

  private SparkLogging() {}

  static void apply(boolean verbose) {
    Level level = verbose ? Level.INFO : Level.WARN;
    for (String logger : NOISY) {
      Configurator.setLevel(logger, level);
    }
    if (verbose) {
      Configurator.setLevel("io.epochal", Level.DEBUG);
    } else {
      // a failed task's stack trace, logged by the executor and again by the scheduler: the command
      // reports the failure itself, with its cause (--verbose shows both)
      Configurator.setLevel(TASK_ERRORS, Level.FATAL);
      Configurator.setLevel(TASK_WARNINGS, Level.ERROR);
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
