package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
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

  @Test
  void hdfsFilesAreReadStraightIntoTheCallersBuffers() throws Exception {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(hdfs.uri() + "/read-channel.bin");
    byte[] data = new byte[200_000];
    new Random(5).nextBytes(data);
    try (FSDataOutputStream out = fileSystem().create(p)) {
      out.write(data);
    }
    try (ReadableByteChannel ch = ReadChannels.open(fileSystem(), p)) {
      // the stream's own read(ByteBuffer), not java.nio's copying adapter
      assertThat(ch.getClass().getSimpleName()).isEqualTo("ByteBufferStreamChannel");
      ByteBuffer direct = ByteBuffer.allocateDirect(data.length);
      while (direct.hasRemaining()) {
        assertThat(ch.read(direct)).isPositive();
      }
      byte[] back = new byte[data.length];
      direct.flip().get(back);
      assertThat(back).isEqualTo(data);
      assertThat(ch.read(ByteBuffer.allocate(1))).isEqualTo(-1);
    }
  }
}
