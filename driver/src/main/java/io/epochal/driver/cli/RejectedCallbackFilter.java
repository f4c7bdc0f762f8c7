package io.epochal.driver.cli;

import static com.google.common.base.Preconditions.checkNotNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Standard error while the JVM shuts down on a signal, without the stack traces Scala's default
 * execution-context reporter prints (with {@code printStackTrace}, not through logging) when
 * Spark's stopped storage thread pool rejects the completion of a block removal: {@code
 * java.util.concurrent.RejectedExecutionException: Task Future(...) rejected from ...} and its
 * {@code at} lines. Everything else passes line by line, unchanged.
 */
final class RejectedCallbackFilter extends OutputStream {

  /** How each dropped trace starts. */
  static final String SIGNATURE = "java.util.concurrent.RejectedExecutionException: Task Future(";

  private final OutputStream out;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private boolean dropping;

  RejectedCallbackFilter(OutputStream out) {
    this.out = checkNotNull(out, "out");
  }

  @Override
  public synchronized void write(int b) throws IOException {
    line.write(b);
    if (b == '\n') {
      endLine();
    }
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) throws IOException {
    for (int i = off; i < off + len; i++) {
      write(b[i]);
    }
  }

  private void endLine() throws IOException {
    String text = line.toString(StandardCharsets.UTF_8);
    if (text.startsWith(SIGNATURE)) {
      dropping = true;
    } else if (dropping && !(text.startsWith("\tat ") || text.startsWith("\t... "))) {
      dropping = false;
    }
    if (!dropping) {
      line.writeTo(out);
    }
    line.reset();
  }

  /** Writes out a partial line too (a prompt or progress text), unless it belongs to a dropped trace. */
  @Override
  public synchronized void flush() throws IOException {
    if (line.size() > 0 && !dropping && !SIGNATURE.startsWith(line.toString(StandardCharsets.UTF_8))) {
      line.writeTo(out);
      line.reset();
    }
    out.flush();
  }
}
