package io.epochal.checkpoint;

import java.io.File;
import java.io.IOException;
import java.lang.reflect.Field;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.hdfs.server.datanode.metrics.DataNodeMetrics;
import org.apache.hadoop.metrics2.lib.MutableCounterLong;

/** An HDFS (one DataNode unless asked for more) on localhost for tests and benchmarks; close it to shut it down. */
public final class MiniHdfs implements AutoCloseable {

  private final MiniDFSCluster cluster;
  private final Configuration conf;
  private final File baseDir;

  private MiniHdfs(MiniDFSCluster cluster, Configuration conf, File baseDir) {
    this.cluster = cluster;
    this.conf = conf;
    this.baseDir = baseDir;
  }

  /** Starts a cluster whose data lives under {@code baseDir}, every service bound to 127.0.0.1. */
  public static MiniHdfs start(File baseDir) throws IOException {
    return start(baseDir, 1);
  }

  /**
   * Starts a cluster of {@code dataNodes} DataNodes whose data lives under {@code baseDir}, every
   * service bound to 127.0.0.1; its clients write one replica unless told otherwise.
   */
  public static MiniHdfs start(File baseDir, int dataNodes) throws IOException {
    Configuration conf = new Configuration();
    conf.set("dfs.namenode.rpc-address", "127.0.0.1:0");
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    clientSettings(conf);
    fastCloses(conf);
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    conf.setBoolean("dfs.permissions.enabled", false);
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, baseDir.getAbsolutePath());
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf, baseDir)
        .numDataNodes(dataNodes)
        .format(true)
        .build();
    cluster.waitActive();
    return new MiniHdfs(cluster, cluster.getConfiguration(0), baseDir);
  }

  /** The client settings every client of these one-DataNode clusters uses; returns {@code conf}. */
  static Configuration clientSettings(Configuration conf) {
    conf.setInt("dfs.replication", 1);
    // Closing a file waits for the DataNode to report the block; on a busy 2-core machine the
    // default 5 retries (about 3 s) are not always enough, and real clusters often raise it too.
    conf.setInt("dfs.client.block.write.locateFollowingBlock.retries", 10);
    // A small file replaced while another thread reads it (a lease under contention) loses its
    // block under the open stream; find that out in tens of milliseconds, not 3-second windows.
    conf.setInt("dfs.client.retry.window.base", 50);
    return conf;
  }

  /**
   * Closes that wait 10 ms, not Hadoop's 400, for the block report before they ask the NameNode again (doubling
   * as before, with more retries: as patient in all), as the store's own clients do ({@code HdfsCloseTuning}): the
   * tests' clients close many small job files (leases, states, events), each waiting out the first delay; returns
   * {@code conf}. Not for the benchmark's clients ({@link MiniHdfsProcess}), which measure Hadoop's defaults.
   */
  public static Configuration fastCloses(Configuration conf) {
    conf.setInt("dfs.client.block.write.locateFollowingBlock.initial.delay.ms", 10);
    conf.setInt("dfs.client.block.write.locateFollowingBlock.retries", 16);
    return conf;
  }

  /** The file system URI, {@code hdfs://127.0.0.1:port}. */
  public String uri() {
    return "hdfs://127.0.0.1:" + cluster.getNameNodePort();
  }

  /** A configuration that reaches this cluster. */
  public Configuration conf() {
    return new Configuration(conf);
  }

  /** The cluster's file system (owned by the cluster; do not close). */
  public FileSystem fileSystem() throws IOException {
    return cluster.getFileSystem();
  }

  /**
   * How many times the DataNode has synced a block file to disk (its {@code FsyncCount} metric).
   * Read from the metrics object itself, since the metric's JMX view is refreshed only every few
   * seconds; the field is not public, hence the reflection.
   */
  public long dataNodeFsyncs() {
    DataNodeMetrics metrics = cluster.getDataNodes().get(0).getMetrics();
    try {
      Field count = DataNodeMetrics.class.getDeclaredField("fsyncCount");
      count.setAccessible(true);
      return ((MutableCounterLong) count.get(metrics)).value();
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("this Hadoop's DataNodeMetrics has no fsyncCount counter", e);
    }
  }

  /** The cluster itself, for tests that damage replicas or read the NameNode's state. */
  MiniDFSCluster cluster() {
    return cluster;
  }

  @Override
  public void close() {
    shutdown(cluster, baseDir);
  }

  /**
   * Shuts {@code cluster} down and deletes {@code baseDir}, its data, as
   * {@code MiniDFSCluster.shutdown(true)} does, but leaves this JVM's shutdown hooks in place. That
   * method ends by clearing every hook registered with Hadoop's {@code ShutdownHookManager}, Spark's
   * among them: after it, the folders Spark deletes when the JVM exits (a {@code local-cluster}'s
   * worker folders, its executors' folders) stay in {@code java.io.tmpdir} once the tests are done.
   */
  public static void shutdown(MiniDFSCluster cluster, File baseDir) {
    try {
      cluster.getFileSystem().close();
    } catch (IOException e) {
      // shutdown(true) only logs this too; the cluster goes down all the same
    }
    cluster.shutdownDataNodes();
    cluster.shutdownNameNodes();
    FileUtil.fullyDelete(baseDir);
  }
}
