package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store on a real HDFS (one-datanode MiniDFSCluster on localhost, started once per class). */
class HdfsCheckpointStoreTest extends AbstractCheckpointStoreTest {

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

  @Test
  void checkpointLivesOnHdfs() throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    assertThat(store.checkpointsDir()).startsWith("hdfs://127.0.0.1:");
    assertThat(fileSystem().exists(new org.apache.hadoop.fs.Path(
        store.checkpointsDir() + "/epoch-000001/manifest.json"))).isTrue();
  }
}
