package io.epochal.driver.data;

import io.epochal.worker.data.DataShard;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.List;

/**
 * The digests that tell whether a job's data changed: of each worker's shard, as it is built, and
 * of the whole data, recorded in every checkpoint's manifest and compared by a resume.
 */
final class ShardDigests {

  private ShardDigests() {}

  /**
   * SHA-256 of one worker's shard: its row count, feature and label widths, then its features, its
   * labels and, when its rows have them, their weights as little-endian float32, rows in the order
   * the worker trains on them. (A shard without weights has the digest it had before they existed.)
   */
  static byte[] shardDigest(DataShard shard) {
    MessageDigest sha = sha256();
    ByteBuffer head = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
    head.putInt(shard.rows()).putInt(shard.featureSize()).putInt(shard.labelWidth()).flip();
    sha.update(head);
    ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    List<float[]> parts = shard.weighted() ? List.of(shard.features(), shard.labels(), shard.weights())
        : List.of(shard.features(), shard.labels());
    for (float[] values : parts) {
      for (int at = 0; at < values.length; ) {
        int n = Math.min(values.length - at, chunk.capacity() / Float.BYTES);
        chunk.clear();
        chunk.asFloatBuffer().put(values, at, n);
        chunk.limit(n * Float.BYTES);
        sha.update(chunk);
        at += n;
      }
    }
    return sha.digest();
  }

  /**
   * The data's digest, recorded in every checkpoint's manifest ({@code data_sha256}): SHA-256 of
   * the workers' shard digests in worker order. The same rows give the same digest however Spark
   * split the input; a resume compares it with the data it loads.
   */
  static String dataDigest(List<byte[]> shardDigests) {
    MessageDigest sha = sha256();
    shardDigests.forEach(sha::update);
    return java.util.HexFormat.of().formatHex(sha.digest());
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
