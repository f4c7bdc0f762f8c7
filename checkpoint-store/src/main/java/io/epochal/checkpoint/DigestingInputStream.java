package io.epochal.checkpoint;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Computes the SHA-256 of the bytes read, hashing on a second thread while the caller reads on.
 * The caller must not change a buffer it read into until {@link #sha256Hex()} returns: the hasher
 * reads it later. {@code SafetensorsReader} reads every tensor into its own new array, which meets
 * this; closing stops the hasher and closes the underlying stream.
 */
final class DigestingInputStream extends FilterInputStream {

  private final PipelinedDigest digest;

  DigestingInputStream(InputStream in, String name) {
    super(in);
    this.digest = new PipelinedDigest(name);
  }

  @Override
  public int read() throws IOException {
    int c = in.read();
    if (c >= 0) {
      digest.updateOwned(new byte[] {(byte) c}, 0, 1);
    }
    return c;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = in.read(b, off, len);
    if (n > 0) {
      digest.updateOwned(b, off, n);
    }
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    throw new IOException("skipping would leave bytes out of the digest");
  }

  @Override
  public boolean markSupported() {
    return false;
  }

  /** The SHA-256 hex of every byte read; call once, at the end. */
  String sha256Hex() throws IOException {
    return digest.finishHex();
  }

  @Override
  public void close() throws IOException {
    try {
      digest.close();
    } finally {
      in.close();
    }
  }
}
