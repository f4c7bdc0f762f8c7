package io.epochal.job;

import java.io.IOException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The lease on HDFS (MiniDFSCluster on localhost). */
class JobLeaseHdfsTest extends JobLeaseContract {

  private static MiniHdfs hdfs;

  @BeforeAll
  static void start() throws IOException {
    hdfs = MiniHdfs.start();
  }

  @AfterAll
  static void stop() throws IOException {
    hdfs.close();
  }

  @Override
  protected FileSystem fs() throws IOException {
    return hdfs.fs();
  }

  @Override
  protected Path root() throws IOException {
    return hdfs.fs().makeQualified(new Path("/jobs"));
  }
}
