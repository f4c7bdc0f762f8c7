package io.epochal.driver.data;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.worker.data.DataShard;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;

/**
 * The workers' shards as training reads them: each checked, whenever Spark computes it, against
 * the digest it had when the job loaded its data.
 *
 * <p>A shard is cached, but the cache is not the data: when an executor dies, Spark builds the
 * shards it held again from their lineage, and when the shuffle output went with it, that means
 * reading the input files again. Files changed since the job started (a CSV file rewritten, a
 * part replaced on HDFS; a file with a Hadoop {@code .crc} fails its checksum instead) would then
 * give the job other rows than its checkpoints' {@code data_sha256} records, and a round
 * "recomputed from immutable inputs" would not be the same round. Checking a shard costs one
 * SHA-256 pass over it when it is computed, not on every round that reads it from the cache.
 */
final class UnchangedShards {

  private static final int SHOWN_HEX = 12;

  private UnchangedShards() {}

  /**
   * {@code shards}, each checked against {@code digests} (worker order, from {@link
   * ShardDigests#shardDigest}) when it is computed.
   */
  static JavaRDD<DataShard> of(JavaRDD<DataShard> shards, List<byte[]> digests, String path) {
    checkNotNull(shards, "shards");
    checkArgument(digests.size() == shards.getNumPartitions(), "%s digests for %s shards", digests.size(),
        shards.getNumPartitions());
    byte[][] loaded = digests.toArray(new byte[0][]);
    return shards.mapPartitionsWithIndex((Integer w, Iterator<DataShard> it) -> {
      DataShard shard = it.next();
      check(w, shard, loaded[w], path);
      return List.of(shard).iterator();
    }, true);
  }

  /**
   * Checks worker {@code worker}'s {@code shard} against the digest {@code loaded} it had when the
   * job loaded {@code path}.
   *
   * @throws DataChangedException naming the worker, the path and both digests when it differs
   */
  static void check(int worker, DataShard shard, byte[] loaded, String path) throws DataChangedException {
    byte[] now = ShardDigests.shardDigest(shard);
    if (!Arrays.equals(now, loaded)) {
      throw new DataChangedException(worker, path, shown(loaded), shown(now));
    }
  }

  private static String shown(byte[] digest) {
    return HexFormat.of().formatHex(digest).substring(0, SHOWN_HEX);
  }
}
