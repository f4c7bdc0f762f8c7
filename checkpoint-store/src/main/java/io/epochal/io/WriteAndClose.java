package io.epochal.io;

import static com.google.common.base.Preconditions.checkNotNull;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Writes to a stream and closes it, reporting the write's failure with the close's attached, as
 * try-with-resources does, except that a close which rethrows the write's own exception is not
 * attached to itself. HDFS's output stream does that: once a write or an {@code hsync} failed (a
 * quota exceeded, no DataNode left), its {@code close()} throws the same exception object again,
 * and try-with-resources then calls {@code e.addSuppressed(e)}, which throws {@code
 * IllegalArgumentException("Self-suppression not permitted")} in place of the real cause.
 */
public final class WriteAndClose {

  /** What is written to the stream. */
  @FunctionalInterface
  public interface Body<S extends OutputStream> {
    /** Writes (and syncs, if it should) to {@code out}. */
    void writeTo(S out) throws IOException;
  }

  /** What a write returns after writing to the stream. */
  @FunctionalInterface
  public interface CountingBody<S extends OutputStream> {
    /** Writes to {@code out} and returns what the caller needs (a byte count). */
    long writeTo(S out) throws IOException;
  }

  private WriteAndClose() {}

  /** Runs {@code body} on {@code out}, then closes {@code out} whatever happened. */
  public static <S extends OutputStream> void run(S out, Body<S> body) throws IOException {
    counting(out, o -> {
      body.writeTo(o);
      return 0;
    });
  }

  /** As {@link #run}, returning what {@code body} returns. */
  public static <S extends OutputStream> long counting(S out, CountingBody<S> body) throws IOException {
    checkNotNull(out, "out");
    checkNotNull(body, "body");
    long result;
    try {
      result = body.writeTo(out);
    } catch (Throwable primary) {
      closeAfter(out, primary);
      throw primary;
    }
    out.close();
    return result;
  }

  /**
   * Closes {@code out} after {@code primary} ended its use: a failure to close is attached to
   * {@code primary} unless it is {@code primary} itself.
   */
  public static void closeAfter(OutputStream out, Throwable primary) {
    try {
      out.close();
    } catch (Throwable x) {
      if (x != primary) {
        primary.addSuppressed(x);
      }
    }
  }
}
