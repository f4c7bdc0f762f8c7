package io.epochal.driver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/** How a command's last failure becomes its exit code and its one line. */
class CommandFailureTest {

  @Test
  void anIoFailureWrappedToCrossALambdaIsTheIoErrorItWrapsNotAnInternalOne() {
    StringWriter err = new StringWriter();
    int code = CommandFailure.report(new UncheckedIOException("cannot create a temporary Spark home under /tmp",
        new IOException("No space left on device")), new PrintWriter(err, true), false, false);
    assertThat(code).isEqualTo(ExitCodes.IO_ERROR);
    assertThat(err.toString()).startsWith("epochal: I/O error: cannot create a temporary Spark home under /tmp")
        .doesNotContain("internal error");
  }
}
