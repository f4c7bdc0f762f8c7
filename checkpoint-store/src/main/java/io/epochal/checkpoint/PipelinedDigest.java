package io.epochal.checkpoint;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A SHA-256 computed on its own thread, in submission order, so that hashing overlaps the I/O of
 * the thread that reads or writes the bytes. {@link #updateCopy} copies the bytes into one of a few
 * pooled buffers first, so the caller may reuse its own at once, and blocks when the hasher falls
 * behind.
 */
final class PipelinedDigest implements AutoCloseable {

  // 256 KiB stays below half of G1's smallest (1 MiB) region, so the pool never takes humongous regions
  private static final int POOL_BUFFERS = 8;
  private static final int POOL_BUFFER_BYTES = 1 << 18;

  private final MessageDigest digest = Sha256.newDigest();
  private final ExecutorService hasher;
  private final BlockingQueue<byte[]> free = new ArrayBlockingQueue<>(POOL_BUFFERS);
  private int pooled;
  private Future<?> last;

  PipelinedDigest(String name) {
    this.hasher = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "sha256-" + name);
      t.setDaemon(true);
      return t;
    });
  }

  /** Copies {@code b[off, off+len)} and hashes the copy; {@code b} may be reused at once. */
  void updateCopy(byte[] b, int off, int len) throws IOException {
    int pos = off;
    int left = len;
    while (left > 0) {
      byte[] buf = takeBuffer();
      int n = Math.min(left, buf.length);
      System.arraycopy(b, pos, buf, 0, n);
      submit(() -> {
        digest.update(buf, 0, n);
        free.add(buf);
      });
      pos += n;
      left -= n;
    }
  }

  private byte[] takeBuffer() throws IOException {
    byte[] buf = free.poll();
    if (buf != null) {
      return buf;
    }
    if (pooled < POOL_BUFFERS) {
      pooled++;
      return new byte[POOL_BUFFER_BYTES];
    }
    try {
      checkFailure();
      return free.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the SHA-256 hasher");
    }
  }

  private void submit(Runnable task) throws IOException {
    checkFailure();
    last = hasher.submit(task);
  }

  private void checkFailure() throws IOException {
    if (last != null && last.isDone()) {
      await();
    }
  }

  private void await() throws IOException {
    try {
      last.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the SHA-256 hasher");
    } catch (ExecutionException e) {
      throw new IOException("SHA-256 hashing failed: " + e.getCause(), e.getCause());
    }
  }

  /** Waits for every submitted update and returns the digest as 64 lower-case hex digits. */
  String finishHex() throws IOException {
    if (last != null) {
      await();
    }
    return Sha256.hex(digest.digest());
  }

  @Override
  public void close() {
    hasher.shutdownNow();
  }
}
