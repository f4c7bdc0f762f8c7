package io.epochal.job;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Job files on the local file system (file: URIs). */
class JobFilesLocalTest extends JobFilesContract {

  @TempDir static java.nio.file.Path tmp;
  private static FileSystem fs;

  @BeforeAll
  static void open() throws IOException {
    fs = FileSystem.newInstanceLocal(new Configuration());
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
    return new Path(tmp.toUri());
  }
}
