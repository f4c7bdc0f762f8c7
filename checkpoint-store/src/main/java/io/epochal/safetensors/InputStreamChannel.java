package io.epochal.safetensors;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * A channel over a stream that reads a heap buffer's bytes straight into its array and any other
 * buffer through one reused chunk, so the stream only ever sees reads into arrays. Closing it does
 * not close the stream (the caller owns it).
 */
final class InputStreamChannel implements ReadableByteChannel {

  private final InputStream in;
  private final int chunkBytes;
  private byte[] chunk;

  InputStreamChannel(InputStream in, int chunkBytes) {
    this.in = in;
    this.chunkBytes = chunkBytes;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (!dst.hasRemaining()) {
      return 0;
    }
    if (dst.hasArray()) {
      int n = in.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
      if (n > 0) {
        dst.position(dst.position() + n);
      }
      return n;
    }
    if (chunk == null) {
      chunk = new byte[chunkBytes];
    }
    int n = in.read(chunk, 0, Math.min(chunk.length, dst.remaining()));
    if (n > 0) {
      dst.put(chunk, 0, n);
    }
    return n;
  }

  @Override
  public boolean isOpen() {
    return true;
  }

  @Override
  public void close() {
    // the stream belongs to the caller
  }
}
