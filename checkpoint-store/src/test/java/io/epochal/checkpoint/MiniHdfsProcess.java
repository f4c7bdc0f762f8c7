package io.epochal.checkpoint;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.hadoop.conf.Configuration;

/**
 * A one-datanode HDFS on localhost in a JVM of its own, as a cluster's NameNode and DataNode are:
 * measurements in this JVM (heap, allocation) then see only the client. The child prints its URI
 * once the cluster is up and shuts the cluster down when its standard input closes, so it also
 * ends when this JVM dies. Close this object to stop it.
 */
public final class MiniHdfsProcess implements AutoCloseable {

  static final String URI_LINE = "MINIHDFS_URI ";
  private static final long START_TIMEOUT_SECONDS = 120;

  private final Process process;
  private final String uri;

  private MiniHdfsProcess(Process process, String uri) {
    this.process = process;
    this.uri = uri;
  }

  /**
   * Starts the cluster in a child JVM (this JVM's class path, {@code -Xmx1g}) with its data under
   * {@code baseDir} and its log in {@code baseDir.log}, and waits until it serves.
   */
  public static MiniHdfsProcess start(File baseDir) throws IOException {
    File log = new File(baseDir.getAbsolutePath() + ".log");
    Process p = new ProcessBuilder(ChildJava.command(List.of("-Xmx1g", "-Djava.net.preferIPv4Stack=true"), Main.class,
        baseDir.getAbsolutePath()))
        .redirectError(log)
        .start();
    FutureTask<String> uriLine = new FutureTask<>(() -> readUri(p));
    Thread reader = new Thread(uriLine, "minihdfs-child-stdout");
    reader.setDaemon(true);
    reader.start();
    String failure;
    try {
      String uri = uriLine.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      if (uri != null) {
        return new MiniHdfsProcess(p, uri);
      }
      failure = "ended without reporting its URI";
    } catch (TimeoutException e) {
      failure = "did not report its URI within " + START_TIMEOUT_SECONDS + " s";
    } catch (ExecutionException e) {
      failure = "could not be read: " + e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failure = "was interrupted while starting";
    }
    p.destroyForcibly();
    throw new IOException("MiniDFSCluster child JVM " + failure + "; see " + log);
  }

  /** The URI from the child's first {@link #URI_LINE}, or null if its output ends first. */
  private static String readUri(Process p) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith(URI_LINE)) {
        return line.substring(URI_LINE.length()).trim();
      }
    }
    return null;
  }

  /** The file system URI, {@code hdfs://127.0.0.1:port}. */
  public String uri() {
    return uri;
  }

  /** Whether the child JVM is still running. */
  boolean isAlive() {
    return process.isAlive();
  }

  /** CPU time the child JVM has used so far, in nanoseconds (0 where the OS does not tell). */
  public long cpuNanos() {
    return process.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
  }

  /** A client configuration for this cluster (one replica, the same client settings as {@link MiniHdfs}). */
  public Configuration conf() {
    Configuration conf = MiniHdfs.clientSettings(new Configuration());
    conf.set("fs.defaultFS", uri);
    return conf;
  }

  /** Closes the child's standard input, waits for it to shut the cluster down, kills it after 60 s. */
  @Override
  public void close() throws IOException, InterruptedException {
    process.getOutputStream().close();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }

  /** The child: starts a {@link MiniHdfs}, prints its URI, stops it when standard input closes. */
  public static final class Main {
    private Main() {}

    /** Argument: the cluster's base directory. */
    public static void main(String[] args) throws Exception {
      try (MiniHdfs hdfs = MiniHdfs.start(new File(args[0]))) {
        System.out.println(URI_LINE + hdfs.uri());
        System.out.flush();
        while (System.in.read() != -1) {
          // runs until the parent closes the pipe or dies
        }
      }
      System.exit(0);
    }
  }
}
