package io.epochal.driver.train;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.GcInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * Tells whether the driver's heap ran out while a job trained. In local mode the executors share
 * the driver's JVM, so its heap holds the job's state several times over (the global state, the
 * workers' serialized results, the averaged shards, the checkpoint being written while the next
 * epoch trains); a model too large for the heap then fails in a Spark thread, as a lost task result
 * or as Spark's own exit (code 52), and the OutOfMemoryError shows only in a log line.
 *
 * <p>What it watches: full collections the JVM had to make for lack of room (not those a program
 * asked for with {@code System.gc()}) that left at least {@link #PRESSURE} of the maximum heap in
 * use. A healthy G1 heap makes no full collection at all; one that cannot place a large array makes
 * them back to back, often with a third of the heap free but in pieces. A {@link Mark} taken when a
 * job starts reports whether one happened since: a round or a commit that fails after one has most
 * likely failed for memory.
 */
public final class HeapWatch {

  /** The share of the maximum heap in use after a forced full collection that counts as running out. */
  public static final double PRESSURE = 0.6;

  private static final AtomicLong COUNT = new AtomicLong();
  private static final AtomicReference<String> LAST = new AtomicReference<>();
  /** When the last of those was counted ({@link System#nanoTime}). */
  private static final AtomicLong LAST_AT = new AtomicLong();
  /** Threads that ended with an OutOfMemoryError nobody caught: how many, and the last one's name. */
  private static final AtomicLong THREADS_KILLED = new AtomicLong();
  private static final AtomicReference<String> LAST_KILLED = new AtomicReference<>();
  /** Notifications received of collections a program asked for with System.gc(). */
  private static final AtomicLong EXPLICIT = new AtomicLong();
  private static final Set<String> WATCHED = new HashSet<>();
  /** Whether {@link #prepare} ran (guarded by the class). */
  private static boolean prepared;
  private static volatile List<String> heapPools = List.of();

  /**
   * The JDK classes that turn a collection into a notification and a {@link GcInfo}. Each builds
   * its tables by reflection when first used; first used in a collection's notification while the
   * heap is full, that fails with an OutOfMemoryError, and the class stays unusable for the rest of
   * the JVM's life (every later use is a NoClassDefFoundError). So they are initialized when the
   * watch starts, while there is room.
   */
  static final List<String> NOTIFICATION_CLASSES = List.of("com.sun.management.GcInfo",
      "com.sun.management.GarbageCollectionNotificationInfo", "com.sun.management.internal.GcInfoCompositeData",
      "com.sun.management.internal.GarbageCollectionNotifInfoCompositeData");

  private HeapWatch() {}

  /** The number of such collections at one moment, and each full collector's count, to compare with later. */
  public static final class Mark {
    private final long count;
    private final List<GarbageCollectorMXBean> full = new ArrayList<>();
    private final List<Long> fullCounts = new ArrayList<>();
    private final long killed;

    private Mark(long count) {
      this.count = count;
      this.killed = THREADS_KILLED.get();
      for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
        if (isFull(gc.getName())) {
          full.add(gc);
          fullCounts.add(gc.getCollectionCount());
        }
      }
    }

    /**
     * The thread that an uncaught OutOfMemoryError ended since this mark, if any: one of Spark's
     * own (the one that fetches task results, say) leaves the job it served waiting forever.
     */
    public Optional<String> threadKilled() {
      long times = THREADS_KILLED.get() - killed;
      return times == 0 ? Optional.empty() : Optional.of("an OutOfMemoryError ended thread " + LAST_KILLED.get()
          + (times == 1 ? "" : " (and " + (times - 1) + " more)") + " in the driver's JVM");
    }

    /**
     * What shows that the heap ran out since this mark, if anything: how many forced full
     * collections, and how full the last one left the heap. The notifications come from the JVM's
     * service thread a moment after each collection; until they have, a full collection since the
     * mark whose result the collector itself reports counts too.
     */
    public Optional<String> exhaustion() {
      return exhaustionWithin(Long.MAX_VALUE);
    }

    /**
     * As {@link #exhaustion()}, when the last collection that left the heap full ended at most {@code
     * millis} ago: what a JVM shutting down now because its heap ran out shows, unlike one stopped (a
     * SIGTERM, Ctrl-C) hours after a full heap that the run came through.
     */
    public Optional<String> exhaustionWithin(long millis) {
      long times = COUNT.get() - count;
      if (times > 0 && (System.nanoTime() - LAST_AT.get()) / 1_000_000 <= millis) {
        return Optional.of("the driver's heap ran out: " + times + " full garbage collection" + (times == 1 ? "" : "s")
            + " for lack of room, the last of which left " + LAST.get());
      }
      for (int i = 0; i < full.size(); i++) {
        GarbageCollectorMXBean gc = full.get(i);
        if (gc.getCollectionCount() > fullCounts.get(i) && gc instanceof com.sun.management.GarbageCollectorMXBean) {
          long used;
          try {
            GcInfo last = ((com.sun.management.GarbageCollectorMXBean) gc).getLastGcInfo();
            boolean recent = last != null && ManagementFactory.getRuntimeMXBean().getUptime() - last.getEndTime()
                <= millis;
            used = recent ? heapUsed(last) : 0;
          } catch (OutOfMemoryError | LinkageError e) {
            continue; // no room to read the collector's report, or the JDK cannot build it: no evidence
          }
          long max = Runtime.getRuntime().maxMemory();
          if (used >= PRESSURE * max) {
            return Optional.of("the driver's heap ran out: a full garbage collection left "
                + describe(used, max, gc.getName(), "reported by the collector"));
          }
        }
      }
      return Optional.empty();
    }
  }

  /** Whether a collector of this name collects the whole heap (G1's, Serial's, Parallel's full collector). */
  private static boolean isFull(String collector) {
    return collector.contains("Old") || collector.contains("MarkSweep");
  }

  /** The heap in use after a collection: the sum over the heap's pools, named when the watch started. */
  private static long heapUsed(GcInfo gc) {
    long used = 0;
    for (String pool : heapPools) {
      MemoryUsage after = gc.getMemoryUsageAfterGc().get(pool);
      if (after != null) {
        used += after.getUsed();
      }
    }
    return used;
  }

  /** Initializes, while the heap has room, what reading a collection's report needs (see NOTIFICATION_CLASSES). */
  private static void prepare() {
    List<String> pools = new ArrayList<>();
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pools.add(pool.getName());
      }
    }
    heapPools = List.copyOf(pools);
    for (String name : NOTIFICATION_CLASSES) {
      try {
        Class.forName(name, true, ClassLoader.getSystemClassLoader());
      } catch (ClassNotFoundException | LinkageError e) {
        // another JDK's implementation: its classes are initialized on first use, as before
      }
    }
    describe(1L << 20, 1L << 21, "collector", "cause"); // sets up the formatter and the locale's number symbols
    Thread.UncaughtExceptionHandler before = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler((thread, e) -> {
      if (e instanceof OutOfMemoryError) {
        LAST_KILLED.set(thread.getName());
        THREADS_KILLED.incrementAndGet();
      }
      if (before != null) {
        before.uncaughtException(thread, e);
      } else if (e instanceof OutOfMemoryError) { // the run reports it, with what to do
        System.err.println("Exception in thread \"" + thread.getName() + "\" " + e);
      } else { // what the JVM prints without a handler
        System.err.print("Exception in thread \"" + thread.getName() + "\" ");
        e.printStackTrace(System.err);
      }
    });
  }

  /** How a collection left the heap, as a report names it. */
  private static String describe(long used, long max, String collector, String cause) {
    return String.format(Locale.ROOT, "%d of its %d MiB in use (%s, %s)", used >> 20, max >> 20, collector, cause);
  }

  /**
   * The notifications received so far of collections asked for with System.gc(): the JVM delivers
   * notifications in order from one thread, so once that of a System.gc() has come, so has every
   * earlier collection's.
   */
  static long explicitCollectionsNotified() {
    return EXPLICIT.get();
  }

  /** Starts watching (once per JVM; later calls add nothing) and returns the count as of now. */
  public static synchronized Mark mark() {
    if (!prepared) { // once: a second default handler would wrap the first
      prepare();
      prepared = true;
    }
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof NotificationEmitter && WATCHED.add(gc.getName())) {
        ((NotificationEmitter) gc).addNotificationListener((n, handback) -> {
          if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            try {
              record(GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData()));
            } catch (OutOfMemoryError | LinkageError e) {
              // no room to read this one: a Mark asks the collector itself (exhaustion())
            }
          }
        }, null, null);
      }
    }
    return new Mark(COUNT.get());
  }

  private static void record(GarbageCollectionNotificationInfo info) {
    if (info.getGcCause().equals("System.gc()")) {
      EXPLICIT.incrementAndGet();
      return;
    }
    if (!info.getGcAction().contains("major")) {
      return;
    }
    long used = heapUsed(info.getGcInfo());
    long max = Runtime.getRuntime().maxMemory();
    if (used >= PRESSURE * max) {
      LAST.set(describe(used, max, info.getGcName(), info.getGcCause()));
      LAST_AT.set(System.nanoTime());
      COUNT.incrementAndGet();
    }
  }

  /**
   * How many times over the driver's heap holds a job's state (model and optimizer tensors) at
   * once while it trains: in local mode, where the executors share the driver's JVM, the global
   * state, its broadcast and the checkpoint being written, plus for each worker running at the same
   * time its deserialized state, its serialized result and its share of the aggregation; on a
   * cluster, the driver's own copies only. Measured on 2 cores: a 240 MB state (a
   * 20-million-parameter MLP with Adam) kept about 2.0 to 2.2 GB live after G1's concurrent marks,
   * 9 times the state, with 2 workers as with 4 (two tasks at a time).
   */
  public static long copiesHeld(int workersAtATime, boolean local) {
    return local ? 3 + 3L * workersAtATime : 4;
  }

  /** The share of the maximum heap the estimate may fill before it is a warning (collectors need room). */
  static final double ESTIMATE_LIMIT = 0.75;

  private static final double MIB = 1 << 20;

  /**
   * A warning when the heap {@code maxHeap} looks too small for a state of {@code stateBytes}
   * trained by {@code workersAtATime} workers running at once ({@link #copiesHeld}), with the heap
   * to give instead; empty when it looks large enough.
   */
  static Optional<String> shortfall(long stateBytes, int workersAtATime, boolean local, long maxHeap) {
    return shortfall(stateBytes, 0, workersAtATime, local, maxHeap);
  }

  /**
   * As {@link #shortfall(long, int, boolean, long)}, with {@code rowBytes} of cached rows (training
   * and held-out), which in local mode the executors keep in the driver's heap too.
   */
  static Optional<String> shortfall(long stateBytes, long rowBytes, int workersAtATime, boolean local, long maxHeap) {
    long copies = copiesHeld(workersAtATime, local);
    long rows = local ? rowBytes : 0;
    long need = stateBytes * copies + rows;
    if (need <= ESTIMATE_LIMIT * maxHeap) {
      return Optional.empty();
    }
    long heap = Math.max(1, suggestedGib(need));
    String where = local ? "local mode, the executors in the driver's JVM, " + workersAtATime + " worker"
        + (workersAtATime == 1 ? "" : "s") + " at a time" : "its own copies, the executors elsewhere";
    return Optional.of(String.format(Locale.ROOT, "the job's state is %.0f MiB (model and optimizer "
        + "tensors) and the driver's heap holds it about %d times over while it trains (%s)%s: about %.0f MiB, more "
        + "than %.0f %% of the heap's maximum of %d MiB; the driver may run out of memory. Give it more: "
        + "EPOCHAL_JAVA_OPTS=-Xmx%dg before bin/epochal (spark-submit: --driver-memory %dg)", stateBytes / MIB, copies,
        where, rows > 0 ? String.format(Locale.ROOT, ", besides the %.0f MiB of rows its executors cache "
        + "there", rows / MIB) : "", need / MIB, ESTIMATE_LIMIT * 100, maxHeap >> 20, heap, heap));
  }

  /**
   * The JVM option that gives the driver twice the heap it has, in whole GiB, and at least what the
   * job's state needs by the estimate ({@link #checkHeap}): for the advice after the heap ran out.
   */
  public static String largerHeapOption() {
    long gib = 1L << 30;
    long twice = (2 * Runtime.getRuntime().maxMemory() + gib - 1) / gib;
    return "-Xmx" + Math.max(twice, suggestedGib(ESTIMATED_NEED.get())) + "g";
  }

  /** The heap in whole GiB that holds {@code need} bytes within {@link #ESTIMATE_LIMIT}. */
  private static long suggestedGib(long need) {
    return (long) Math.ceil(need / ESTIMATE_LIMIT / (1L << 30));
  }

  /** The largest heap need estimated in this JVM ({@link #checkHeap}), 0 before any. */
  private static final AtomicLong ESTIMATED_NEED = new AtomicLong();

  /**
   * {@link #shortfall} for this JVM's heap, remembering the estimate so that the advice after the
   * heap ran out ({@link #largerHeapOption}) names a heap that holds it, not merely twice the one
   * that did not; counting {@code rowBytes} of cached training and held-out rows, which local mode
   * keeps in this heap.
   */
  public static Optional<String> checkHeap(long stateBytes, long rowBytes, io.epochal.driver.config.JobSpec spec,
      io.epochal.driver.spark.EpochalSpark spark) {
    boolean local = spark.jsc().isLocal();
    long rows = local ? rowBytes : 0;
    int workers = workersAtATime(spec, spark);
    ESTIMATED_NEED.accumulateAndGet(stateBytes * copiesHeld(workers, local) + rows, Math::max);
    return shortfall(stateBytes, rows, workers, local, Runtime.getRuntime().maxMemory());
  }

  /**
   * The heap {@code data}'s cached shards take: a float per feature, one per label and one per
   * sample weight of every usable row (a regression with several outputs has a few more).
   */
  public static long rowBytes(io.epochal.driver.data.LoadedDataset data) {
    return data == null ? 0 : data.rows() * (data.featureSize() + (data.weights().isPresent() ? 2L : 1L)) * Float.BYTES;
  }

  /** The workers of {@code spec} that train at once on {@code spark}: at most one per slot. */
  public static int workersAtATime(io.epochal.driver.config.JobSpec spec, io.epochal.driver.spark.EpochalSpark spark) {
    return Math.min(spec.workers(), Math.max(1, spark.jsc().defaultParallelism()));
  }

  /**
   * {@code resumeCommand} (as {@code ResumeCommand} prints it) with the larger heap of {@link
   * #largerHeapOption}: a {@code spark-submit} command with {@code --driver-memory} in place of any it
   * gave ({@code --driver-memory} or {@code spark.driver.memory}), since spark-submit reads no
   * {@code EPOCHAL_JAVA_OPTS}; any other command preceded by {@code EPOCHAL_JAVA_OPTS=-Xmx<N>g}.
   */
  public static String withLargerHeap(String resumeCommand) {
    String heap = largerHeapOption();
    String submit = "spark-submit";
    if (!resumeCommand.startsWith(submit + " ")) {
      return "EPOCHAL_JAVA_OPTS=" + heap + " " + resumeCommand;
    }
    String rest = CommandOptions.without(resumeCommand.substring(submit.length()), "--driver-memory",
        "spark.driver.memory");
    return submit + " --driver-memory " + heap.substring("-Xmx".length()) + rest;
  }

  /**
   * What to do when the heap ran out: the launcher's option for a larger heap, and Spark's for a
   * submitted driver.
   */
  public static String advice() {
    String heap = largerHeapOption();
    return "give the driver more memory: EPOCHAL_JAVA_OPTS=" + heap + " before bin/epochal (spark-submit: "
        + "--driver-memory " + heap.substring("-Xmx".length()) + "; in local mode the executors share the driver's "
        + "heap), or train a smaller model";
  }
}
