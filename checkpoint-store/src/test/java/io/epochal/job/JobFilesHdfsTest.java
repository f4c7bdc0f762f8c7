package io.epochal.job;

import io.epochal.checkpoint.MiniHdfs;
import java.io.IOException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Job files on HDFS (MiniDFSCluster on localhost). */
class JobFilesHdfsTest extends JobFilesContract {

  @TempDir
  static java.nio.file.Path base;

  private static MiniHdfs hdfs;

  @BeforeAll
  static void start() throws IOException {
    hdfs = MiniHdfs.start(base.toFile());
  }

  @AfterAll
  static void stop() throws IOException {
    hdfs.close();
  }

  @Override
  protected FileSystem fs() throws IOException {
    return hdfs.fileSystem();
  }

  @Override
  protected Path root() throws IOException {
    return hdfs.fileSystem().makeQualified(new Path("/jobs"));
  }
}
