package io.epochal.checkpoint;

import com.google.common.io.BaseEncoding;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** The SHA-256 digests a manifest lists for its files, as 64 lower-case hex digits. */
final class Sha256 {

  private Sha256() {}

  /** A fresh SHA-256 digest. */
  static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this Java runtime has no SHA-256", e);
    }
  }

  /** {@code digest} as lower-case hex. */
  static String hex(byte[] digest) {
    return BaseEncoding.base16().lowerCase().encode(digest);
  }
}
