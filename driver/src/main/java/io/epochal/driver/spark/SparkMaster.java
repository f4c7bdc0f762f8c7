package io.epochal.driver.spark;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed Spark master string: {@code local}, {@code local[N]}, {@code local[*]},
 * {@code local[N,F]}, {@code local-cluster[N,C,MB]} (separate executor JVMs on this machine), or
 * any other master ({@code yarn}, {@code spark://...}, {@code k8s://...}) taken as given.
 */
public final class SparkMaster {

  /** The kind of master. */
  public enum Kind {
    /** Executors in the driver's JVM. */
    LOCAL,
    /** A standalone cluster of separate executor JVMs on this machine. */
    LOCAL_CLUSTER,
    /** Any other cluster manager. */
    REMOTE
  }

  /** Spark's local masters: local, local[N], local[*], local[N,F] (blanks around the comma, as Spark takes them). */
  private static final Pattern LOCAL = Pattern.compile("local(\\[(\\*|\\d+)(\\s*,\\s*\\d+)?])?");
  private static final Pattern LOCAL_CLUSTER =
      Pattern.compile("local-cluster\\[\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,\\s*(\\d+)\\s*]");

  private final String url;
  private final Kind kind;
  private final int workers;
  private final int coresPerWorker;
  private final int memoryPerWorkerMb;

  private SparkMaster(String url, Kind kind, int workers, int coresPerWorker, int memoryPerWorkerMb) {
    this.url = url;
    this.kind = kind;
    this.workers = workers;
    this.coresPerWorker = coresPerWorker;
    this.memoryPerWorkerMb = memoryPerWorkerMb;
  }

  /**
   * Parses {@code master}.
   *
   * @throws IllegalArgumentException if it is empty or a malformed {@code local...} form
   */
  public static SparkMaster parse(String master) {
    checkNotNull(master, "master");
    String m = master.trim();
    checkArgument(!m.isEmpty(), "Spark master must not be empty; use local[N], "
        + "local-cluster[N,C,MB] or a cluster URL");
    Matcher lc = LOCAL_CLUSTER.matcher(m);
    if (lc.matches()) {
      int n = Integer.parseInt(lc.group(1));
      int c = Integer.parseInt(lc.group(2));
      int mb = Integer.parseInt(lc.group(3));
      checkArgument(n >= 1 && c >= 1 && mb >= 64,
          "master '%s' needs at least 1 worker, 1 core and 64 MB per worker", master);
      return new SparkMaster(m, Kind.LOCAL_CLUSTER, n, c, mb);
    }
    checkArgument(!m.startsWith("local-cluster"),
        "master '%s' is malformed; use local-cluster[workers,coresPerWorker,memoryPerWorkerMB], "
            + "e.g. local-cluster[2,1,1024]", master);
    Matcher l = LOCAL.matcher(m);
    if (l.matches()) {
      String threads = l.group(2);
      int n = threads == null ? 1
          : threads.equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(threads);
      checkArgument(n >= 1, "master '%s' needs at least 1 thread", master);
      return new SparkMaster(m, Kind.LOCAL, 1, n, 0);
    }
    checkArgument(!m.startsWith("local"),
        "master '%s' is malformed; use local, local[N], local[*], local[N,F] (F: the times a task may fail) or "
            + "local-cluster[N,C,MB]", master);
    return new SparkMaster(m, Kind.REMOTE, 0, 0, 0);
  }

  /** The master string as passed to Spark. */
  public String url() {
    return url;
  }

  /**
   * The master string Spark is given: a {@code local} master that does not say how often a task
   * may fail ({@code local[N,F]}) gets {@code maxFailures}, as clusters retry a failed task
   * ({@code spark.task.maxFailures}, 4 by default) where Spark's plain {@code local[N]} tries it
   * once and aborts the job. Any other master as given.
   */
  public String withTaskMaxFailures(int maxFailures) {
    checkArgument(maxFailures >= 1, "spark.task.maxFailures must be at least 1, not %s", maxFailures);
    Matcher l = LOCAL.matcher(url);
    if (kind != Kind.LOCAL || !l.matches() || l.group(3) != null) {
      return url;
    }
    return "local[" + (l.group(2) == null ? "1" : l.group(2)) + "," + maxFailures + "]";
  }

  /** The kind. */
  public Kind kind() {
    return kind;
  }

  /** Whether driver and executors all run on this machine. */
  public boolean isOnThisMachine() {
    return kind != Kind.REMOTE;
  }

  /** Worker count of {@code local-cluster} (1 for {@code local}, 0 if unknown). */
  public int workers() {
    return workers;
  }

  /** Cores per worker ({@code local}: threads; 0 if unknown). */
  public int coresPerWorker() {
    return coresPerWorker;
  }

  /** Memory per worker in MB for {@code local-cluster}, else 0. */
  public int memoryPerWorkerMb() {
    return memoryPerWorkerMb;
  }

  /** Task slots on this machine ({@code workers * cores}), or 0 for a remote master. */
  public int slots() {
    return workers * coresPerWorker;
  }

  /**
   * Refuses a {@code local-cluster} whose workers have less memory than one executor asks for
   * ({@code executorMemoryMb}, from {@code spark.executor.memory}): Spark would refuse it with a
   * stack trace while starting.
   *
   * @throws IllegalArgumentException naming both sizes and the fixes
   */
  public void checkExecutorFits(long executorMemoryMb) {
    if (kind == Kind.LOCAL_CLUSTER && executorMemoryMb > memoryPerWorkerMb) {
      throw new IllegalArgumentException("--master " + url + " gives each worker " + memoryPerWorkerMb + " MB, but an "
          + "executor asks for " + executorMemoryMb + " MB (spark.executor.memory; Spark's default is 1g): give the "
          + "workers at least that, e.g. local-cluster[" + workers + "," + coresPerWorker + "," + executorMemoryMb
          + "], or set --conf spark.executor.memory=" + memoryPerWorkerMb + "m");
    }
  }

  /**
   * Refuses a {@code spark://} master none of whose hosts accepts a connection within {@code
   * timeoutMillis}: Spark would retry for a minute, printing stack traces, and then fail with an
   * error about a stopped context. Other masters pass unchecked.
   *
   * @throws IllegalArgumentException naming the master and why each host could not be reached
   */
  public void checkReachable(int timeoutMillis) {
    if (!url.startsWith("spark://")) {
      return;
    }
    List<String> failures = new ArrayList<>();
    for (String hostPort : url.substring("spark://".length()).replaceAll("/+$", "").split(",")) {
      int colon = hostPort.lastIndexOf(':');
      String host = colon < 0 ? hostPort : hostPort.substring(0, colon);
      try (Socket socket = new Socket()) {
        int port = colon < 0 ? 7077 : Integer.parseInt(hostPort.substring(colon + 1));
        socket.connect(new InetSocketAddress(host, port), timeoutMillis);
        return;
      } catch (IOException | IllegalArgumentException e) { // a port that is no number, an unknown host
        failures.add(hostPort + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
      }
    }
    throw new IllegalArgumentException("cannot reach Spark master " + url + " (" + String.join("; ", failures)
        + "): is the master running, and is this the URL its web UI shows (spark://host:7077 by default)?");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SparkMaster && ((SparkMaster) o).url.equals(url);
  }

  @Override
  public int hashCode() {
    return Objects.hash(url);
  }

  @Override
  public String toString() {
    return url;
  }
}
