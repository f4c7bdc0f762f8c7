package io.epochal.checkpoint;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Sharded checkpoints on the local file system ({@code file://}). */
class LocalShardedCheckpointStoreTest extends AbstractShardedCheckpointStoreTest {

  @TempDir
  static Path root;

  private static RawLocalFileSystem fs;

  @BeforeAll
  static void openFs() throws IOException {
    fs = new RawLocalFileSystem();
    fs.initialize(java.net.URI.create("file:///"), new Configuration());
  }

  @AfterAll
  static void closeFs() throws IOException {
    fs.close();
  }

  @Override
  String newJobDir(String name) {
    return root.resolve(name).toUri().toString();
  }

  @Override
  Configuration conf() {
    return new Configuration();
  }

  @Override
  FileSystem fileSystem() {
    return fs;
  }
}
