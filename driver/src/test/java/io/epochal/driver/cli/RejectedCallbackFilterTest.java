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

  @Test
  void theReportOfAThreadTheShutdownInterruptedIsDroppedAndOtherThreadDeathsPass() {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    PrintStream err = new PrintStream(new RejectedCallbackFilter(sink), true, StandardCharsets.UTF_8);

    err.println("epochal: stopped; continue with: bin/epochal resume /jobs/a");
    // as ThreadGroup.uncaughtException prints it: the thread's name, then the trace
    err.print("Exception in thread \"task-result-getter-1\" ");
    new IllegalStateException("a failure only caused by an interrupt", new InterruptedException()).printStackTrace(err);
    err.print("Exception in thread \"task-result-getter-2\" ");
    new InterruptedException().printStackTrace(err);
    err.print("Exception in thread \"worker\" ");
    new IllegalStateException(new InterruptedException()).printStackTrace(err); // message: the cause's name
    err.print("Exception in thread \"main\" ");
    new IllegalStateException("a real failure").printStackTrace(err);

    String text = sink.toString(StandardCharsets.UTF_8);
    assertThat(text).startsWith("epochal: stopped").doesNotContain("task-result-getter-2")
        .as("a thread that died of something the interrupt caused says so: only the interrupt itself is dropped")
        .contains("a failure only caused by an interrupt")
        .contains("Exception in thread \"worker\" java.lang.IllegalStateException: java.lang.InterruptedException")
        .contains("Exception in thread \"main\" java.lang.IllegalStateException: a real failure\n\tat ");
  }
}
