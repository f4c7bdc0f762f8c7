package io.epochal.driver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

class RejectedCallbackFilterTest {

  @Test
  void scalasRejectedCallbackTracesAreDroppedAndEverythingAroundThemPasses() {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    PrintStream err = new PrintStream(new RejectedCallbackFilter(sink), true, StandardCharsets.UTF_8);

    err.println("epochal: nothing committed is lost; continue with: bin/epochal resume /jobs/a");
    new RejectedExecutionException("Task Future(<not completed>) rejected from java.util.concurrent."
        + "ThreadPoolExecutor@438d91a4[Shutting down, pool size = 87]").printStackTrace(err);
    new RejectedExecutionException("Task Future(<not completed>) rejected again").printStackTrace(err);
    err.println("epochal: a line after the traces");
    new IllegalStateException("another failure").printStackTrace(err);
    err.print("partial ");
    err.flush();

    String text = sink.toString(StandardCharsets.UTF_8);
    assertThat(text).startsWith("epochal: nothing committed is lost").contains("epochal: a line after the traces\n")
        .doesNotContain("RejectedExecutionException").doesNotContain("rejected again")
        .contains("java.lang.IllegalStateException: another failure\n\tat ").endsWith("partial ");
  }
}
