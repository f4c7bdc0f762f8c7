package io.epochal.checkpoint;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.security.MessageDigest;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * A channel that computes the SHA-256 of the bytes read through it on a second thread, in order,
 * while the caller reads on. It hashes the bytes where they were read to, without a copy: the
 * caller must not change a region of a buffer once it has read into it (as {@link
 * io.epochal.safetensors.SafetensorsReader} never does: every tensor has its own buffer). Regions
 * that follow each other in one buffer are hashed together, a mebibyte at a time. Closing stops
 * the hasher and closes the underlying channel.
 */
final class DigestingChannel implements ReadableByteChannel {

  private static final int HASH_BYTES = 1 << 20;

  private final ReadableByteChannel ch;
  private final MessageDigest digest = Sha256.newDigest();
  private final ExecutorService hasher;
  private ByteBuffer pending;
  private int pendingStart;
  private int pendingEnd;
  private Future<?> last;

  DigestingChannel(ReadableByteChannel ch, String name) {
    this.ch = ch;
    this.hasher = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "sha256-" + name);
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    int start = dst.position();
    int n = ch.read(dst);
    if (n > 0) {
      if (dst != pending || start != pendingEnd) {
        submitPending();
        pending = dst;
        pendingStart = start;
      }
      pendingEnd = start + n;
      if (pendingEnd - pendingStart >= HASH_BYTES) {
        submitPending();
      }
    }
    return n;
  }

  private void submitPending() throws IOException {
    if (pending == null || pendingEnd == pendingStart) {
      pending = null;
      return;
    }
    if (last != null && last.isDone()) {
      await(); // surfaces a failed hash early
    }
    ByteBuffer region = pending.duplicate().limit(pendingEnd).position(pendingStart);
    last = hasher.submit(() -> digest.update(region));
    pendingStart = pendingEnd;
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

  /** The SHA-256 hex of every byte read; call once, at the end. */
  String sha256Hex() throws IOException {
    submitPending();
    if (last != null) {
      await();
    }
    return Sha256.hex(digest.digest());
  }

  @Override
  public boolean isOpen() {
    return ch.isOpen();
  }

  @Override
  public void close() throws IOException {
    try {
      hasher.shutdownNow();
    } finally {
      ch.close();
    }
  }
}
