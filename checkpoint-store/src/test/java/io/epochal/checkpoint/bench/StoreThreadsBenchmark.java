package io.epochal.checkpoint.bench;

import io.epochal.checkpoint.CheckpointContent;
import io.epochal.checkpoint.CommitGuard;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.checkpoint.MiniHdfsProcess;
import io.epochal.checkpoint.TestCheckpoints;
import io.epochal.tensor.StateDict;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * How the store's write and read concurrency ({@code optWriteThreads}, {@code optIoThreads})
 * changes commit and load speed on a MiniDFS in its own JVM. One store per thread count, all on the
 * same cluster and state; each round commits (then loads) once through every store, in an order
 * that reverses every round, so the machine's slow phases hit every count alike. Prints the median,
 * lowest and highest MB/s per count.
 *
 * <p>Run with {@code bin/bench-store threads [MiB of state, default 256] [rounds, default 12]}.
 */
final class StoreThreadsBenchmark {

  private static final int[] THREADS = {1, 2, 4, 8};

  private StoreThreadsBenchmark() {}

  static void run(int stateMib, int rounds) throws Exception {
    StateDict state = StoreBenchmark.makeState(stateMib);
    java.nio.file.Path tmp = Files.createTempDirectory("epochal-bench-threads");
    List<List<Double>> writes = new ArrayList<>();
    List<List<Double>> reads = new ArrayList<>();
    try (MiniHdfsProcess hdfs = MiniHdfsProcess.start(tmp.resolve("dfs").toFile());
        FileSystem fs = FileSystem.newInstance(URI.create(hdfs.uri()), hdfs.conf())) {
      List<HadoopCheckpointStore> stores = new ArrayList<>();
      for (int t : THREADS) {
        stores.add(HadoopCheckpointStore.builder().setJobDir(hdfs.uri() + "/threads-" + t)
            .optConfiguration(hdfs.conf()).optIoThreads(t).optWriteThreads(t).build());
        writes.add(new ArrayList<>());
        reads.add(new ArrayList<>());
      }
      try {
        for (int round = 0; round < rounds; round++) {
          long epoch = round + 1;
          for (int k = 0; k < THREADS.length; k++) {
            int i = round % 2 == 0 ? k : THREADS.length - 1 - k;
            HadoopCheckpointStore store = stores.get(i);
            CheckpointContent content = CheckpointContent.builder().setModel(state)
                .setManifest(TestCheckpoints.manifest(epoch)).build();
            long t0 = System.nanoTime();
            store.commit(content, CommitGuard.NONE);
            writes.get(i).add(mbps(state.totalBytes(), System.nanoTime() - t0));
            long t1 = System.nanoTime();
            LoadedCheckpoint loaded = store.load(epoch);
            reads.get(i).add(mbps(state.totalBytes(), System.nanoTime() - t1));
            if (loaded.model().totalBytes() != state.totalBytes()) {
              throw new IllegalStateException("read back " + loaded.model().totalBytes() + " bytes");
            }
            loaded = null;
            System.gc(); // frees the loaded state's direct buffers before the next store's turn
            fs.delete(new Path(store.checkpointsDir()), true);
          }
          System.err.printf("round %d of %d done%n", round + 1, rounds);
        }
      } finally {
        for (HadoopCheckpointStore s : stores) {
          s.close();
        }
      }
    } finally {
      StoreBenchmark.deleteRecursively(tmp.toFile());
    }
    System.out.printf("MiniDFS, %d MiB state in %d MiB shards, %d rounds; MB/s as median (lowest–highest)%n",
        stateMib, HadoopCheckpointStore.DEFAULT_SHARD_BYTES >> 20, rounds);
    System.out.println("| threads | commit MB/s | load MB/s |");
    System.out.println("| --- | --- | --- |");
    for (int i = 0; i < THREADS.length; i++) {
      System.out.printf("| %d | %s | %s |%n", THREADS[i], summary(writes.get(i)), summary(reads.get(i)));
    }
  }

  private static double mbps(long bytes, long nanos) {
    return bytes / 1e6 / (nanos / 1e9);
  }

  /** {@code median (lowest–highest)} of {@code values}, in whole MB/s. */
  static String summary(List<Double> values) {
    List<Double> v = new ArrayList<>(values);
    Collections.sort(v);
    return String.format("%.0f (%.0f–%.0f)", median(v), v.get(0), v.get(v.size() - 1));
  }

  /** The middle of sorted {@code values}, or the mean of the two middle ones for an even count. */
  static double median(List<Double> sorted) {
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
