package io.epochal.checkpoint.bench;

import io.epochal.checkpoint.CheckpointContent;
import io.epochal.checkpoint.CommitGuard;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.checkpoint.MiniHdfsProcess;
import io.epochal.checkpoint.TestCheckpoints;
import io.epochal.tensor.DType;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.io.File;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;

/**
 * Writes and reads a 256 MiB state dict through the checkpoint store and the same bytes through a
 * plain Hadoop stream (create/write/hsync, open/read), on the local file system and on a
 * MiniDFSCluster in a JVM of its own ({@link MiniHdfsProcess}), and prints MB/s, store/plain ratios and peak heap relative to the state size. The
 * store runs with its defaults: the state is above the shard size, so it is written as shards with
 * an index, in parallel, each shard through its own SHA-256, and read back in parallel into
 * off-heap buffers (reported as their own column). The plain baseline stays one unhashed stream.
 *
 * <p>Run from the repository root: {@code mvn -B -o -q -pl checkpoint-store test-compile
 * dependency:build-classpath -Dmdep.outputFile=target/bench.cp && java -Xmx1g -cp
 * checkpoint-store/target/test-classes:checkpoint-store/target/classes:$(cat
 * checkpoint-store/target/bench.cp) io.epochal.checkpoint.bench.StoreBenchmark}. Optional
 * arguments: MiB of state (default 256, a multiple of the 4 MiB tensors), repetitions (default 3, the
 * best is kept); {@link StoreBenchArgs} checks them. With {@code
 * threads} as the first argument it runs {@link StoreThreadsBenchmark} instead.
 */
public final class StoreBenchmark {

  /** MiB of each of the state's tensors: the state's size is a multiple of it. */
  static final int TENSOR_MIB = 4;
  /** The name of the local file system's row. */
  static final String LOCAL = "local";
  /** The name of the MiniDFS row. */
  static final String HDFS = "hdfs (MiniDFS)";
  private static final int CHUNK = 1 << 20;

  private final int stateMib;
  private final int reps;
  private final HeapPeak heapPeak = new HeapPeak();
  private StateDict state;
  private long epoch = 1;
  private final List<String> coreLines = new ArrayList<>();
  /** Each store as it opened (its directory and the I/O settings it resolved). */
  private final List<String> storeLines = new ArrayList<>();
  /** CPU time of the file system's own processes (the MiniDFS child JVM); none for the local one. */
  private LongSupplier serverCpu = () -> 0;

  private StoreBenchmark(int stateMib, int reps) {
    this.stateMib = stateMib;
    this.reps = reps;
  }

  /**
   * Arguments: {@code [MiB of state] [repetitions]}, {@code threads [MiB of state] [rounds]} or
   * {@code --help} ({@link StoreBenchArgs}); a wrong one is said in one line, exit code 2.
   */
  public static void main(String[] args) throws Exception {
    StoreBenchArgs parsed;
    try {
      parsed = StoreBenchArgs.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bench-store: " + e.getMessage() + " (bin/bench-store --help shows the usage)");
      System.exit(2);
      return;
    }
    if (parsed.help()) {
      System.out.println(StoreBenchArgs.USAGE);
    } else if (parsed.threads()) {
      StoreThreadsBenchmark.run(parsed.stateMib(), parsed.count());
    } else {
      new StoreBenchmark(parsed.stateMib(), parsed.count()).run();
    }
  }

  static StateDict makeState(int mib) {
    StateDict.Builder b = StateDict.builder();
    int perTensor = TENSOR_MIB << 20;
    for (int i = 0; i < mib / TENSOR_MIB; i++) {
      ByteBuffer buf = ByteBuffer.allocate(perTensor).order(ByteOrder.LITTLE_ENDIAN);
      for (int j = 0; j < perTensor / 4; j++) {
        buf.putFloat(j * 4, (float) Math.sin(i * 1_000_003L + j));
      }
      b.put("layers." + i + ".weight", Tensor.wrap(DType.F32, new long[] {perTensor / 4 / 1024, 1024}, buf));
    }
    return b.build();
  }

  private void run() throws Exception {
    List<String[]> rows = new ArrayList<>();
    java.nio.file.Path tmp = Files.createTempDirectory("epochal-bench");
    try {
      state = makeState(stateMib);
      Configuration localConf = new Configuration();
      RawLocalFileSystem local = new RawLocalFileSystem();
      local.initialize(URI.create("file:///"), localConf);
      rows.add(measure(LOCAL, tmp.resolve("local-job").toUri().toString(), local, localConf));
      local.close();
      // the NameNode and DataNode in a JVM of their own, as on a cluster: this JVM's heap and
      // allocation are then the client's alone
      try (MiniHdfsProcess hdfs = MiniHdfsProcess.start(tmp.resolve("dfs").toFile());
          FileSystem fs = FileSystem.newInstance(URI.create(hdfs.uri()), hdfs.conf())) {
        serverCpu = hdfs::cpuNanos;
        rows.add(measure(HDFS, hdfs.uri() + "/bench-job", fs, hdfs.conf()));
      }
    } finally {
      deleteRecursively(tmp.toFile());
    }
    print(rows);
  }

  private String[] measure(String name, String jobDir, FileSystem fs, Configuration conf) throws Exception {
    long bytes = state.totalBytes();
    Op storeWrite = new Op(bytes);
    Op plainWrite = new Op(bytes);
    Op syncedWrite = new Op(bytes);
    Op storeRead = new Op(bytes);
    Op plainRead = new Op(bytes);
    state = null;
    System.gc();
    long idle = usedHeap();
    state = makeState(stateMib);
    System.gc();
    long stateHeap = usedHeap() - idle;
    try (HadoopCheckpointStore store = HadoopCheckpointStore.builder().setJobDir(jobDir)
        .optConfiguration(conf).build()) {
      storeLines.add(name + ": " + store);
      warmUp(store, fs, jobDir);
      List<Long> epochs = new ArrayList<>();
      for (int r = 0; r < reps; r++) {
        CheckpointContent content = CheckpointContent.builder().setModel(state)
            .setManifest(TestCheckpoints.manifest(epoch)).build();
        storeWrite.measure(true, () -> store.commit(content, CommitGuard.NONE));
        epochs.add(epoch++);

        // a new file every time, like every checkpoint: overwriting one file would reuse its blocks
        Path plainFile = plainFile(jobDir, r);
        plainWrite.measure(true, () -> plainWrite(fs, plainFile, state, false));

        // on HDFS also the same stream created with SYNC_BLOCK, as the store creates its files
        // (the local file system has no such flag: its plain stream already fsyncs on hsync)
        if (!(fs instanceof RawLocalFileSystem)) {
          Path syncedFile = new Path(jobDir + "/plain-synced-" + r + ".bin");
          syncedWrite.measure(false, () -> plainWrite(fs, syncedFile, state, true));
          fs.delete(syncedFile, false);
        }
      }
      state = null; // reads must hold only what they read
      for (int r = 0; r < reps; r++) {
        long readEpoch = epochs.get(r);
        LoadedCheckpoint loaded = storeRead.measure(true, () -> store.load(readEpoch));
        if (loaded.model().totalBytes() != bytes) {
          throw new IllegalStateException("read back " + loaded.model().totalBytes() + " bytes");
        }
        loaded = null;
        Path plainFile = plainFile(jobDir, r);
        plainRead.measure(true, () -> plainRead(fs, plainFile));
        System.gc();
        Thread.sleep(100); // direct buffers of the loaded state are freed after the GC, by the cleaner
      }
      fs.delete(new Path(jobDir), true);
    }
    state = makeState(stateMib);
    coreLines.add(String.format("%s: store write %s, plain write %s, plain write with SYNC_BLOCK %s, store read %s,"
        + " plain read %s; SHA-256 of the state's bytes on one thread: %.2f s", name, storeWrite.busy(),
        plainWrite.busy(), syncedWrite.cpuSeconds == 0 ? "–" : syncedWrite.busy(), storeRead.busy(),
        plainRead.busy(), sha256Seconds()));
    boolean synced = syncedWrite.best > 0;
    return new String[] {name + " (idle heap " + (idle >> 20) + " MiB)", f(storeWrite.best), f(plainWrite.best),
        down(storeWrite.best / plainWrite.best), synced ? f(syncedWrite.best) : "–",
        synced ? down(storeWrite.best / syncedWrite.best) : "–", f(storeRead.best), f(plainRead.best),
        down(storeRead.best / plainRead.best), storeWrite.heap(storeWrite.bound, idle), storeWrite.heap(storeWrite.peak, idle),
        plainWrite.heap(plainWrite.bound, idle), plainWrite.heap(plainWrite.peak, idle),
        storeRead.heap(storeRead.peak, idle), up((double) storeRead.direct / bytes), plainRead.heap(plainRead.peak, idle),
        up((double) stateHeap / bytes)};
  }

  /** A body whose result the measurement keeps or drops. */
  @FunctionalInterface
  private interface Body<T> {
    T call() throws Exception;
  }

  /** A body without a result. */
  @FunctionalInterface
  private interface VoidBody {
    void run() throws Exception;
  }

  /**
   * One operation measured over the repetitions: its best MB/s, and for that run how many cores it
   * kept busy and its CPU-seconds (this JVM and the MiniDFS JVM's NameNode and DataNode); over all
   * runs its largest GC-observed heap peak, heap bound (held at the start + allocated during) and
   * growth in direct memory.
   */
  private final class Op {
    private final long bytes;
    double best;
    double cores;
    double cpuSeconds;
    long peak;
    long bound;
    long direct;

    Op(long bytes) {
      this.bytes = bytes;
    }

    void measure(boolean heap, VoidBody body) throws Exception {
      measure(heap, () -> {
        body.run();
        return null;
      });
    }

    /**
     * Runs {@code body} once, after settling the disk and, when {@code heap}, collecting garbage
     * and resetting the heap peak, and returns its result.
     */
    <T> T measure(boolean heap, Body<T> body) throws Exception {
      if (heap) {
        resetPeaks();
      } else {
        settleDisk();
      }
      long held0 = usedHeap();
      long allocated0 = allocated();
      long direct0 = usedDirect();
      long cpu0 = processCpu();
      long t0 = System.nanoTime();
      T result = body.call();
      long wall = System.nanoTime() - t0;
      long cpu = processCpu() - cpu0;
      double mbps = mbps(bytes, wall);
      if (mbps > best) {
        best = mbps;
        cores = (double) cpu / wall;
        cpuSeconds = cpu / 1e9;
      }
      if (heap) {
        bound = Math.max(bound, held0 + allocated() - allocated0);
        peak = Math.max(peak, peakHeap());
        direct = Math.max(direct, usedDirect() - direct0);
      }
      return result;
    }

    String busy() {
      return String.format("%.2f (%.2f s)", cores, cpuSeconds);
    }

    /** {@code used} heap bytes, minus the idle heap, relative to the state's bytes. */
    String heap(long used, long idle) {
      return up((double) (used - idle) / bytes);
    }
  }

  /**
   * One unmeasured round of every operation: the first use of a file system in this JVM loads and
   * compiles its classes, which costs time and allocates class bytes that would count as the first
   * measured operation's heap.
   */
  private void warmUp(HadoopCheckpointStore store, FileSystem fs, String jobDir) throws Exception {
    long warmEpoch = epoch++;
    store.commit(CheckpointContent.builder().setModel(state).setManifest(TestCheckpoints.manifest(warmEpoch)).build(),
        CommitGuard.NONE);
    store.load(warmEpoch);
    Path warmFile = new Path(jobDir + "/plain-warm-up.bin");
    plainWrite(fs, warmFile, state, false);
    plainRead(fs, warmFile);
    fs.delete(warmFile, false);
  }

  private static Path plainFile(String jobDir, int rep) {
    return new Path(jobDir + "/plain-" + rep + ".bin");
  }

  private static void plainWrite(FileSystem fs, Path p, StateDict dict, boolean syncBlock) throws IOException {
    byte[] chunk = new byte[CHUNK];
    try (FSDataOutputStream out = syncBlock
        ? fs.create(p, FsPermission.getFileDefault(), EnumSet.of(CreateFlag.CREATE, CreateFlag.SYNC_BLOCK),
            fs.getConf().getInt("io.file.buffer.size", 4096), fs.getDefaultReplication(p), fs.getDefaultBlockSize(p),
            null)
        : fs.create(p, false)) {
      for (Map.Entry<String, Tensor> e : dict) {
        ByteBuffer data = e.getValue().data();
        while (data.hasRemaining()) {
          int n = Math.min(chunk.length, data.remaining());
          data.get(chunk, 0, n);
          out.write(chunk, 0, n);
        }
      }
      out.hsync();
    }
  }

  private static List<byte[]> plainRead(FileSystem fs, Path p) throws IOException {
    long len = fs.getFileStatus(p).getLen();
    List<byte[]> out = new ArrayList<>();
    try (FSDataInputStream in = fs.open(p)) {
      for (long left = len; left > 0; ) {
        byte[] b = new byte[(int) Math.min(TENSOR_MIB << 20, left)];
        in.readFully(b);
        out.add(b);
        left -= b.length;
      }
    }
    return out;
  }

  private void resetPeaks() throws IOException, InterruptedException {
    settleDisk();
    System.gc();
    Thread.sleep(100); // let the GC notifications of that collection arrive first
    heapPeak.reset();
  }

  /**
   * Writes the machine's dirty pages to disk ({@code sync}), so that no operation pays for an
   * earlier one's deferred writeback: the plain HDFS write leaves every block but its last unsynced
   * in the page cache, and a later fsync may have to write them out first.
   */
  private static void settleDisk() throws IOException, InterruptedException {
    int exit = new ProcessBuilder("sync").inheritIO().start().waitFor();
    if (exit != 0) {
      throw new IOException("sync exited with " + exit);
    }
  }

  private long peakHeap() {
    return heapPeak.peak();
  }

  /** Bytes of direct buffers now; they are freed only after a GC, so the value after an operation is its peak. */
  private static long usedDirect() {
    return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
        .filter(b -> b.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
  }

  /**
   * Bytes allocated on the heap by all threads of this JVM so far, ended ones included. The heap
   * held at an operation's start plus what it allocates bounds its peak from above, to the byte;
   * the GC-observed peak counts the young generation in whole regions (16 MiB with the bench's
   * flags), and G1 updates that count only as regions fill.
   */
  private static long allocated() {
    return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getTotalThreadAllocatedBytes();
  }

  private static long usedHeap() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** Seconds one thread takes to hash the state's tensor bytes with SHA-256 (the fastest of three). */
  private double sha256Seconds() throws Exception {
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      long t0 = System.nanoTime();
      for (Map.Entry<String, Tensor> e : state) {
        md.update(e.getValue().data());
      }
      md.digest();
      best = Math.min(best, System.nanoTime() - t0);
    }
    return best / 1e9;
  }

  /** CPU time of this JVM and of the file system's own processes. */
  private long processCpu() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime() + serverCpu.getAsLong();
  }

  private static double mbps(long bytes, long nanos) {
    return bytes / 1e6 / (nanos / 1e9);
  }

  private static String f(double v) {
    return String.format("%.0f", v);
  }

  /**
   * A speed ratio to 2 decimals, rounded down: judged against its target (at least 0.90) from the printed figure, a
   * ratio just below the target (0.8986) is not met, as measured, where rounding to nearest printed 0.90.
   */
  static String down(double v) {
    return new java.math.BigDecimal(v).setScale(2, java.math.RoundingMode.FLOOR).toPlainString();
  }

  /** A memory share of the state to 2 decimals, rounded up: judged against at most 1.20, 1.2049 is not met. */
  static String up(double v) {
    return new java.math.BigDecimal(v).setScale(2, java.math.RoundingMode.CEILING).toPlainString();
  }

  private void print(List<String[]> rows) {
    String[] head = {"filesystem", "store write MB/s", "plain write MB/s", "write ratio",
        "plain write with SYNC_BLOCK MB/s", "write ratio to that", "store read MB/s",
        "plain read MB/s", "read ratio", "heap/state: store write (held + allocated)", "store write (GC-observed)",
        "plain write (held + allocated)", "plain write (GC-observed)", "store read", "store read off-heap/state",
        "plain read", "heap held by the state itself/state"};
    System.out.printf("state: %d MiB in %d tensors of %d MiB, best of %d after one unmeasured round; JVM max heap %d MiB;"
        + " heap columns, minus the idle heap (after GC, without the state): held + allocated = the heap"
        + " held at the operation's start plus every byte allocated during it, a bound on its peak that"
        + " counts garbage as if never collected; GC-observed = the heap's largest use reported before"
        + " a collection or at the end, which counts the young generation in whole G1 regions; writes hold"
        + " the state, so their figures include its own footprint (last column); ratios are rounded down and"
        + " heap shares up, so a verdict judged from the printed figures is never kinder than the measurement%n", stateMib, stateMib / TENSOR_MIB, TENSOR_MIB, reps,
        Runtime.getRuntime().maxMemory() >> 20);
    System.out.println("store: default builder; plain: one stream of the same bytes; JVM flags: "
        + ManagementFactory.getRuntimeMXBean().getInputArguments());
    storeLines.forEach(l -> System.out.println("  " + l));
    System.out.printf("GC: %s; system load average at the end: %.1f on %d cores%n",
        ManagementFactory.getGarbageCollectorMXBeans().stream().map(g -> g.getName())
            .collect(java.util.stream.Collectors.joining(", ")),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        Runtime.getRuntime().availableProcessors());
    System.out.println("| " + String.join(" | ", head) + " |");
    String[] sep = new String[head.length];
    Arrays.fill(sep, "---");
    System.out.println("| " + String.join(" | ", sep) + " |");
    for (String[] row : rows) {
      System.out.println("| " + String.join(" | ", row) + " |");
    }
    System.out.println("cores kept busy (CPU time / wall time) and CPU-seconds, in the fastest run of each:");
    coreLines.forEach(l -> System.out.println("  " + l));
    System.out.println("targets (store write >= 0.9 x plain write, store read >= 0.9 x plain read, peak heap <= 1.2 x"
        + " state for the store's write and for its read, heap and off-heap together):");
    for (String[] row : rows) {
      System.out.println("  " + verdicts(row));
    }
  }

  /** One row's verdicts, from its printed figures (see the table's columns). */
  static String verdicts(String[] row) {
    String name = row[0].replaceAll(" \\(idle heap.*", "");
    double writeRatio = Double.parseDouble(row[3]);
    double readRatio = Double.parseDouble(row[8]);
    double writeHeap = Double.parseDouble(row[9]);
    double plainWriteHeap = Double.parseDouble(row[11]);
    double readMemory = Double.parseDouble(row[13]) + Double.parseDouble(row[14]);
    StringBuilder b = new StringBuilder(name).append(": write ").append(verdict(writeRatio >= 0.9, row[3]));
    if (!row[5].equals("–")) {
      b.append(" (").append(row[5]).append(" against the SYNC_BLOCK stream)");
    }
    b.append(", read ").append(verdict(readRatio >= 0.9, row[8]));
    b.append(", write heap ").append(verdict(writeHeap <= 1.2, row[9]))
        .append(" (held + allocated; GC-observed ").append(row[10]);
    if (plainWriteHeap > 1.2) {
      b.append("; the plain write's ").append(row[11]);
      if (name.equals(HDFS)) {
        b.append(", garbage of its HDFS client's packets");
      }
    }
    b.append(")");
    b.append(", read memory ").append(verdict(readMemory <= 1.2, String.format("%.2f", readMemory)));
    return b.toString();
  }

  private static String verdict(boolean met, String figure) {
    return figure + (met ? " met" : " NOT met");
  }

  static void deleteRecursively(File f) {
    File[] children = f.listFiles();
    if (children != null) {
      for (File c : children) {
        deleteRecursively(c);
      }
    }
    f.delete();
  }
}
