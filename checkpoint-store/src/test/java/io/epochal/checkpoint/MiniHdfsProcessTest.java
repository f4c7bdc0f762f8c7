package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MiniHdfsProcessTest {

  @TempDir
  Path base;

  @Test
  void clusterInItsOwnJvmServesThisJvmsClientAndEndsWhenClosed() throws Exception {
    MiniHdfsProcess hdfs = MiniHdfsProcess.start(base.resolve("dfs").toFile());
    try {
      assertThat(hdfs.uri()).startsWith("hdfs://127.0.0.1:");
      byte[] data = "written from the parent JVM".getBytes(StandardCharsets.UTF_8);
      try (FileSystem fs = FileSystem.newInstance(URI.create(hdfs.uri()), hdfs.conf())) {
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path("/probe.txt");
        try (FSDataOutputStream out = fs.create(p)) {
          out.write(data);
        }
        byte[] back = new byte[data.length];
        try (FSDataInputStream in = fs.open(p)) {
          in.readFully(back);
        }
        assertThat(back).isEqualTo(data);
        assertThat(fs.getFileStatus(p).getReplication()).isEqualTo((short) 1);
      }
      assertThat(hdfs.cpuNanos()).as("the child's CPU time is visible to the bench").isPositive();
    } finally {
      hdfs.close();
    }
    assertThat(hdfs.isAlive()).isFalse();
  }
}
