package io.epochal.checkpoint;

import com.google.common.io.BaseEncoding;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Forwards bytes while counting them and computing their SHA-256 in one pass; the hashing runs on
 * a second thread ({@link PipelinedDigest}) so it overlaps the write. Closing it stops the hasher
 * but leaves the underlying stream open: the store syncs and closes the file itself.
 */
final class DigestingOutputStream extends FilterOutputStream {

  private final PipelinedDigest digest;
  private long count;

  DigestingOutputStream(OutputStream out, String name) {
    super(out);
    this.digest = new PipelinedDigest(name);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java runtime has no SHA-256", e);
    }
  }

  static String hex(byte[] digest) {
    return BaseEncoding.base16().lowerCase().encode(digest);
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    digest.updateCopy(b, off, len);
    out.write(b, off, len);
    count += len;
  }

  /** Bytes written so far. */
  long count() {
    return count;
  }

  /** The SHA-256 hex of the bytes written; call once, at the end. */
  String sha256Hex() throws IOException {
    return digest.finishHex();
  }

  @Override
  public void close() {
    digest.close();
  }
}
