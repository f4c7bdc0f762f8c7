package io.epochal.driver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Filter;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.impl.Log4jLogEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OutOfMemoryLogFilterTest {

  @AfterEach
  void restore() {
    OutOfMemoryLogFilter.apply(false);
  }

  private static Filter.Result verdict(Throwable thrown) {
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    LoggerConfig logger = ctx.getConfiguration().getLoggerConfig(OutOfMemoryLogFilter.LOGGERS[0]);
    Filter filter = logger.getFilter();
    if (filter == null) {
      return Filter.Result.NEUTRAL;
    }
    return filter.filter(Log4jLogEvent.newBuilder().setLoggerName(OutOfMemoryLogFilter.LOGGERS[0])
        .setLevel(org.apache.logging.log4j.Level.ERROR).setThrown(thrown).build());
  }

  @Test
  void sparksReportOfAThreadEndedByOutOfMemoryIsDroppedByDefaultAndOtherErrorsPass() {
    SparkLogging.apply(false);
    assertThat(verdict(new OutOfMemoryError("Java heap space"))).isEqualTo(Filter.Result.DENY);
    assertThat(verdict(new RuntimeException("wrapped", new OutOfMemoryError("Java heap space"))))
        .isEqualTo(Filter.Result.DENY);
    assertThat(verdict(new IllegalStateException("something else"))).isEqualTo(Filter.Result.NEUTRAL);
    assertThat(verdict(null)).isEqualTo(Filter.Result.NEUTRAL);
  }

  @Test
  void withVerboseEverythingPasses() {
    SparkLogging.apply(false);
    SparkLogging.apply(true);
    assertThat(verdict(new OutOfMemoryError("Java heap space"))).isEqualTo(Filter.Result.NEUTRAL);
    SparkLogging.apply(false);
  }
}
