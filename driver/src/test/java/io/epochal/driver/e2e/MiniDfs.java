package io.epochal.driver.e2e;

import io.epochal.checkpoint.MiniHdfs;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/** A one-datanode HDFS with every service on 127.0.0.1, its data under a given folder; close shuts it down. */
final class MiniDfs implements AutoCloseable {

  private final MiniDFSCluster cluster;
  private final Path baseDir;

  private MiniDfs(MiniDFSCluster cluster, Path baseDir) {
    this.cluster = cluster;
    this.baseDir = baseDir;
  }

  /** Starts a formatted cluster storing its blocks and metadata under {@code baseDir}. */
  static MiniDfs start(Path baseDir) throws IOException {
    Configuration conf = new Configuration();
    conf.set("dfs.namenode.rpc-address", "127.0.0.1:0");
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    // Closing a file waits for the DataNode to report the block; on a busy 2-core machine the
    // default 5 retries (about 3 s) are not always enough, and real clusters often raise it too;
    // the first wait 10 ms, as the store's own clients wait (io.epochal.checkpoint.MiniHdfs#fastCloses)
    io.epochal.checkpoint.MiniHdfs.fastCloses(conf);
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    conf.setInt("dfs.replication", 1);
    conf.setBoolean("dfs.permissions.enabled", false);
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, baseDir.toAbsolutePath().toString());
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf, baseDir.toFile()).numDataNodes(1).format(true).build();
    cluster.waitActive();
    return new MiniDfs(cluster, baseDir);
  }

  /** {@code hdfs://127.0.0.1:<port>}. */
  String uri() {
    return "hdfs://127.0.0.1:" + cluster.getNameNodePort();
  }

  /** A new configuration whose default file system is this cluster. */
  Configuration conf() {
    return new Configuration(cluster.getConfiguration(0));
  }

  /** The cluster's own file system handle (do not close). */
  FileSystem fileSystem() throws IOException {
    return cluster.getFileSystem();
  }

  @Override
  public void close() {
    MiniHdfs.shutdown(cluster, baseDir.toFile());
  }
}
