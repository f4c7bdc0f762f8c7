package io.epochal.driver.cli;

import static com.google.common.base.Preconditions.checkNotNull;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Standard error while the JVM shuts down on a signal, without the stack traces nothing logs but
 * that say only that the shutdown stopped a thread: Scala's default execution-context reporter's
 * (printed with {@code printStackTrace}) when Spark's stopped storage thread pool rejects the
 * completion of a block removal ({@code java.util.concurrent.RejectedExecutionException: Task
 * Future(...) rejected from ...}), and the JVM's report of a thread that died of the interrupt
 * ({@code Exception in thread "task-result-getter-1" java.lang.InterruptedException}, a large task
 * result being fetched). Each with its {@code at}, {@code ...} and {@code Caused by} lines.
 * Everything else passes line by line, unchanged.
 */
final class RejectedCallbackFilter extends OutputStream {

  /** How each dropped trace of a rejected callback starts. */
  static final String SIGNATURE = "java.util.concurrent.RejectedExecutionException: Task Future(";
  /** How the JVM starts its report of a thread that died of an exception. */
  private static final String THREAD_DIED = "Exception in thread \"";

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

  /** Whether {@code text} starts a trace to drop. */
  static boolean startsDroppedTrace(String text) {
    return text.startsWith(SIGNATURE) || INTERRUPTED_THREAD.matcher(text.stripTrailing()).matches();
  }

  /** The JVM's first line for a thread that died of the interrupt itself (not of what it caused). */
  private static final java.util.regex.Pattern INTERRUPTED_THREAD = java.util.regex.Pattern.compile(
      "Exception in thread \".*\" "
      + "(java\\.lang\\.InterruptedException|java\\.nio\\.channels\\.ClosedByInterruptException)(: .*)?");

  private void endLine() throws IOException {
    String text = line.toString(StandardCharsets.UTF_8);
    if (startsDroppedTrace(text)) {
      dropping = true;
    } else if (dropping && !(text.startsWith("\t") || text.startsWith("Caused by: "))) { // at, ..., Suppressed:
      dropping = false;
    }
    if (!dropping) {
      line.writeTo(out);
    }
    line.reset();
  }

  /** Writes out a partial line too (a prompt or progress text), unless it belongs to or may start a dropped trace. */
  @Override
  public synchronized void flush() throws IOException {
    String partial = line.toString(StandardCharsets.UTF_8);
    boolean mayStartTrace = SIGNATURE.startsWith(partial) || THREAD_DIED.startsWith(partial)
        || partial.startsWith(THREAD_DIED); // the JVM prints the thread's name, then the exception's line
    if (line.size() > 0 && !dropping && !mayStartTrace) {
      line.writeTo(out);
      line.reset();
    }
    out.flush();
  }
}
