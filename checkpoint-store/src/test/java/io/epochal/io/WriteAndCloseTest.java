package io.epochal.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import org.junit.jupiter.api.Test;

class WriteAndCloseTest {

  /** A stream that fails as HDFS's does: its first failure, thrown again by every later call. */
  private static final class FailingStream extends OutputStream {
    final IOException failure;
    final IOException onClose;
    boolean closed;

    FailingStream(IOException failure, IOException onClose) {
      this.failure = failure;
      this.onClose = onClose;
    }

    @Override
    public void write(int b) throws IOException {
      throw failure;
    }

    @Override
    public void close() throws IOException {
      closed = true;
      if (onClose != null) {
        throw onClose;
      }
    }
  }

  @Test
  void aCloseThatRethrowsTheWritesOwnFailureLeavesThatFailureAsItWas() {
    IOException quota = new IOException("The DiskSpace quota of /jobs/a is exceeded");
    FailingStream out = new FailingStream(quota, quota);
    assertThatThrownBy(() -> WriteAndClose.run(out, o -> o.write(1))).isSameAs(quota);
    assertThat(quota.getSuppressed()).isEmpty();
    assertThat(out.closed).isTrue();
  }

  @Test
  void aCloseThatFailsOtherwiseIsAttachedToTheWritesFailure() {
    IOException write = new IOException("write failed");
    IOException close = new IOException("close failed");
    assertThatThrownBy(() -> WriteAndClose.run(new FailingStream(write, close), o -> o.write(1))).isSameAs(write);
    assertThat(write.getSuppressed()).containsExactly(close);
  }

  @Test
  void aWrittenStreamIsClosedAndACloseFailureAfterASuccessfulWriteIsThrown() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    assertThat(WriteAndClose.counting(bytes, o -> {
      o.write(new byte[] {1, 2, 3});
      return 3;
    })).isEqualTo(3);
    assertThat(bytes.toByteArray()).containsExactly(1, 2, 3);
    IOException close = new IOException("close failed");
    OutputStream failsOnClose = new OutputStream() {
      @Override
      public void write(int b) {}

      @Override
      public void close() throws IOException {
        throw close;
      }
    };
    assertThatThrownBy(() -> WriteAndClose.run(failsOnClose, o -> o.write(1))).isSameAs(close);
  }
}
