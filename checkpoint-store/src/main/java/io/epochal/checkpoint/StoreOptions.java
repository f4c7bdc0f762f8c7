package io.epochal.checkpoint;

import io.epochal.params.ParamSpecs;
import java.util.List;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;

/**
 * Hadoop configuration keys that tune a {@link HadoopCheckpointStore}'s I/O without code: every
 * command and job that opens a store reads them from the configuration it is given. From Spark
 * they are {@code spark.hadoop.<key>} entries (for example {@code --conf
 * spark.hadoop.epochal.checkpoint.write-threads=16}); in a Hadoop XML file, plain properties.
 *
 * <p>A value set on the {@link HadoopCheckpointStore.Builder} wins over its key, and the key over
 * the default. Sizes take Hadoop's suffixes ({@code 64m}, {@code 1g}). None of them changes what a
 * checkpoint holds or how it is verified: the shard size changes how the tensors are split into
 * files, which a reader follows through the index. A value that is not a number, or out of range,
 * stops the store from opening with an {@link IllegalArgumentException} (as a bad builder option
 * does) that names the key, the value and the job directory; so does an unknown key under {@link
 * #PREFIX}, which would otherwise be ignored.
 */
public final class StoreOptions {

  /** The prefix of every key of the store; any other key under it is refused as a misspelling. */
  public static final String PREFIX = "epochal.checkpoint.";

  /** {@link HadoopCheckpointStore.Builder#optShardBytes}: most tensor bytes in one safetensors file. */
  public static final String SHARD_BYTES = "epochal.checkpoint.shard-bytes";
  /** {@link HadoopCheckpointStore.Builder#optIoThreads}: threads that read a checkpoint's files. */
  public static final String IO_THREADS = "epochal.checkpoint.io-threads";
  /** {@link HadoopCheckpointStore.Builder#optWriteThreads}: threads that write a checkpoint's files. */
  public static final String WRITE_THREADS = "epochal.checkpoint.write-threads";
  /** {@link HadoopCheckpointStore.Builder#optSyncBehindBytes}: bytes between two syncs of an HDFS file. */
  public static final String SYNC_BEHIND_BYTES = "epochal.checkpoint.sync-behind-bytes";
  /** {@link HadoopCheckpointStore.Builder#optOffHeapTensorBytes}: smallest loaded tensor held off-heap. */
  public static final String OFF_HEAP_TENSOR_BYTES = "epochal.checkpoint.off-heap-tensor-bytes";

  private StoreOptions() {}

  /**
   * The settings a store opens with: each value set on {@code b}, else its key in {@code conf},
   * else the default (for the write threads, derived from the io threads).
   *
   * @throws IllegalArgumentException naming the key, if a key's value is not a number or out of range,
   *     as the builder's own options do
   */
  static Settings resolve(HadoopCheckpointStore.Builder b, Configuration conf, String jobDir) {
    refuseUnknownKeys(conf, jobDir);
    int defaultIo = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    int io = b.ioThreads != null ? b.ioThreads : (int) whole(conf, IO_THREADS, defaultIo, 1, jobDir);
    int write = b.writeThreads != null ? b.writeThreads
        : (int) whole(conf, WRITE_THREADS, Math.max(io, HadoopCheckpointStore.DEFAULT_WRITE_THREADS), 1, jobDir);
    long shard = b.shardBytes != null ? b.shardBytes
        : bytes(conf, SHARD_BYTES, HadoopCheckpointStore.DEFAULT_SHARD_BYTES, 1, jobDir);
    long syncBehind = b.syncBehindBytes != null ? b.syncBehindBytes
        : bytes(conf, SYNC_BEHIND_BYTES, HadoopCheckpointStore.DEFAULT_SYNC_BEHIND_BYTES, 0, jobDir);
    int offHeap = b.offHeapTensorBytes != null ? b.offHeapTensorBytes
        : (int) whole(conf, OFF_HEAP_TENSOR_BYTES, HadoopCheckpointStore.DEFAULT_OFF_HEAP_TENSOR_BYTES,
            Integer.MIN_VALUE, jobDir);
    return new Settings(io, write, shard, syncBehind, offHeap);
  }

  /**
   * Checks the store's keys in {@code conf} as a store opening {@code jobDir} would, without
   * opening one: for commands that open many job directories and must tell a configuration error
   * from a damaged job.
   *
   * @throws IllegalArgumentException naming the key, as {@link HadoopCheckpointStore.Builder#build} does
   */
  public static void check(Configuration conf, String jobDir) {
    resolve(HadoopCheckpointStore.builder(), conf, jobDir);
  }

  /** A key under the store's prefix that is none of its keys is a misspelling, which would be ignored. */
  private static void refuseUnknownKeys(Configuration conf, String jobDir) {
    List<String> known = List.of(SHARD_BYTES, IO_THREADS, WRITE_THREADS, SYNC_BEHIND_BYTES, OFF_HEAP_TENSOR_BYTES);
    for (String suffix : new TreeSet<>(conf.getPropsWithPrefix(PREFIX).keySet())) {
      String key = PREFIX + suffix;
      if (!known.contains(key)) {
        String near = ParamSpecs.nearest(key, known);
        throw new IllegalArgumentException("Hadoop configuration key " + key + " is not a checkpoint store key"
            + (near == null ? "" : "; did you mean " + near + "?") + " (opening the checkpoint store of " + jobDir
            + "; the store's keys: " + String.join(", ", known) + ")");
      }
    }
  }

  /** {@code key}'s value as an int of at least {@code min}. */
  private static long whole(Configuration conf, String key, long dflt, long min, String jobDir) {
    return number(conf, key, dflt, min, Integer.MAX_VALUE, "is not a whole number", jobDir);
  }

  /** {@code key}'s value as a long of at least {@code min}. */
  private static long bytes(Configuration conf, String key, long dflt, long min, String jobDir) {
    return number(conf, key, dflt, min, Long.MAX_VALUE, "is not a number of bytes (e.g. 64m, 1g)", jobDir);
  }

  /** {@code key}'s value (a number with an optional size suffix) in [{@code min}, {@code max}]. */
  private static long number(Configuration conf, String key, long dflt, long min, long max, String notANumber,
      String jobDir) {
    String raw = conf.getTrimmed(key);
    if (raw == null || raw.isEmpty()) {
      return dflt;
    }
    long v;
    try {
      v = conf.getLongBytes(key, dflt);
    } catch (IllegalArgumentException e) { // also a bad size suffix
      throw bad(key, raw, notANumber, jobDir);
    }
    if (v < min || v > max) {
      throw bad(key, raw, "must be " + (v > max ? "at most " + max : "at least " + min), jobDir);
    }
    return v;
  }

  private static IllegalArgumentException bad(String key, String raw, String what, String jobDir) {
    return new IllegalArgumentException("Hadoop configuration key " + key + " " + what + ", got '" + raw
        + "' (opening the checkpoint store of " + jobDir + "); fix or remove it (from Spark: spark.hadoop."
        + key + ")");
  }

  /** The resolved I/O settings of one store. */
  static final class Settings {
    final int ioThreads;
    final int writeThreads;
    final long shardBytes;
    final long syncBehindBytes;
    final int offHeapTensorBytes;

    Settings(int ioThreads, int writeThreads, long shardBytes, long syncBehindBytes, int offHeapTensorBytes) {
      this.ioThreads = ioThreads;
      this.writeThreads = writeThreads;
      this.shardBytes = shardBytes;
      this.syncBehindBytes = syncBehindBytes;
      this.offHeapTensorBytes = offHeapTensorBytes;
    }

    @Override
    public String toString() {
      return "io threads " + ioThreads + ", write threads " + writeThreads + ", shards of " + shardBytes
          + " bytes, sync every " + syncBehindBytes + " bytes, tensors of " + offHeapTensorBytes
          + " bytes or more off-heap";
    }
  }
}
