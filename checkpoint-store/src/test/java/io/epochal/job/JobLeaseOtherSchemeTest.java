package io.epochal.job;

import io.epochal.checkpoint.OtherSchemeFileSystem;
import java.io.IOException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lease on a file system that is neither local nor HDFS ({@link OtherSchemeFileSystem}): files
 * are created in place, exclusively, with no rename.
 */
class JobLeaseOtherSchemeTest extends JobLeaseContract {

  @TempDir static java.nio.file.Path tmp;
  private static FileSystem fs;

  @BeforeAll
  static void open() throws IOException {
    fs = OtherSchemeFileSystem.open();
  }

  @AfterAll
  static void close() throws IOException {
    fs.close();
  }

  @Override
  protected FileSystem fs() {
    return fs;
  }

  @Override
  protected Path root() {
    return new Path(OtherSchemeFileSystem.uri(tmp));
  }
}
