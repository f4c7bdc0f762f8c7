package io.epochal.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Sharded checkpoints on a real HDFS (one-datanode MiniDFSCluster on localhost, started once per class). */
class HdfsShardedCheckpointStoreTest extends AbstractShardedCheckpointStoreTest {

  @TempDir
  static Path base;

  private static MiniHdfs hdfs;

  @BeforeAll
  static void startHdfs() throws IOException {
    hdfs = MiniHdfs.start(base.resolve("dfs").toFile());
  }

  @AfterAll
  static void stopHdfs() {
    if (hdfs != null) {
      hdfs.close();
    }
  }

  @Override
  String newJobDir(String name) {
    return hdfs.uri() + "/jobs/" + name;
  }

  @Override
  Configuration conf() {
    return hdfs.conf();
  }

  @Override
  FileSystem fileSystem() throws IOException {
    return hdfs.fileSystem();
  }
}
