package io.epochal.job;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Comparator;
import java.util.stream.Stream;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/** A one-datanode MiniDFSCluster on localhost under target/, removed on close. */
final class MiniHdfs implements AutoCloseable {

  private final MiniDFSCluster cluster;
  private final File base;

  private MiniHdfs(MiniDFSCluster cluster, File base) {
    this.cluster = cluster;
    this.base = base;
  }

  static MiniHdfs start() throws IOException {
    File base = new File("target/minidfs-" + UUID.randomUUID()).getAbsoluteFile();
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.getPath());
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    // Closing a file waits for the DataNode to report the block; on a busy 2-core machine the
    // default 5 retries (about 3 s) are not always enough, and real clusters often raise it too.
    conf.setInt("dfs.client.block.write.locateFollowingBlock.retries", 10);
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    cluster.waitActive();
    return new MiniHdfs(cluster, base);
  }

  FileSystem fs() throws IOException {
    return cluster.getFileSystem();
  }

  @Override
  public void close() throws IOException {
    cluster.shutdown(true);
    if (base.exists()) {
      try (Stream<java.nio.file.Path> walk = Files.walk(base.toPath())) {
        for (java.nio.file.Path p : (Iterable<java.nio.file.Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
          Files.delete(p);
        }
      }
    }
  }
}
