package io.epochal.checkpoint;

import com.google.common.io.BaseEncoding;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** Forwards bytes while counting them and computing their SHA-256, in one pass. */
final class DigestingOutputStream extends FilterOutputStream {

  private final MessageDigest digest;
  private long count;

  DigestingOutputStream(OutputStream out) {
    super(out);
    this.digest = sha256();
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
    out.write(b);
    digest.update((byte) b);
    count++;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
    digest.update(b, off, len);
    count += len;
  }

  /** Bytes written so far. */
  long count() {
    return count;
  }

  /** The SHA-256 hex of the bytes written; call once, at the end. */
  String sha256Hex() {
    return hex(digest.digest());
  }

  @Override
  public void close() {
    // the store syncs and closes the underlying file itself
  }
}
