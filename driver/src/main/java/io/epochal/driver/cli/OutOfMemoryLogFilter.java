package io.epochal.driver.cli;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.filter.AbstractFilter;

/**
 * Drops the log events in which Spark reports an OutOfMemoryError that ended one of its threads
 * (its uncaught-exception handlers log each with the whole stack, dozens of lines): when the
 * driver's heap runs out, the run itself says so in one message with what to do ({@code
 * DRIVER_OUT_OF_MEMORY}). Other errors of those loggers pass; {@code --verbose} shows everything.
 */
final class OutOfMemoryLogFilter extends AbstractFilter {

  /** Spark's loggers of uncaught errors in its threads. */
  static final String[] LOGGERS = {"org.apache.spark.util.SparkUncaughtExceptionHandler",
      "org.apache.spark.util.Utils"};

  private static final OutOfMemoryLogFilter INSTANCE = new OutOfMemoryLogFilter();

  private OutOfMemoryLogFilter() {
    super(Filter.Result.DENY, Filter.Result.NEUTRAL);
  }

  @Override
  public Result filter(LogEvent event) {
    for (Throwable t = event.getThrown(); t != null; t = t.getCause()) {
      if (t instanceof OutOfMemoryError) {
        return onMatch;
      }
    }
    return onMismatch;
  }

  /** Adds the filter to {@link #LOGGERS} ({@code on}) or removes it, in the running log configuration. */
  static void apply(boolean on) {
    if (!(LogManager.getContext(false) instanceof LoggerContext)) {
      return; // another logging backend: nothing to filter
    }
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    Configuration config = ctx.getConfiguration();
    for (String name : LOGGERS) {
      LoggerConfig logger = config.getLoggerConfig(name);
      if (!logger.getName().equals(name)) {
        if (!on) {
          continue;
        }
        logger = new LoggerConfig(name, null, true); // the level and appenders of its parent
        config.addLogger(name, logger);
      }
      logger.removeFilter(INSTANCE);
      if (on) {
        logger.addFilter(INSTANCE);
      }
    }
    ctx.updateLoggers();
  }
}
