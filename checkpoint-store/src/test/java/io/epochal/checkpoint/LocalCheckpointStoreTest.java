package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store on the local file system ({@code file://}). */
class LocalCheckpointStoreTest extends AbstractCheckpointStoreTest {

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

  @Test
  void localStoreWritesNoChecksumSideFiles() throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    try (Stream<Path> files = Files.walk(Path.of(java.net.URI.create(jobDir)))) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".crc"));
    }
  }

  @Test
  void plainLocalPathWorksAsJobDir() throws Exception {
    String plain = root.resolve("plain-path-job").toString();
    try (HadoopCheckpointStore s = HadoopCheckpointStore.builder().setJobDir(plain).build()) {
      s.commit(TestCheckpoints.content(3), CommitGuard.NONE);
      assertThat(Files.isDirectory(Path.of(plain, "checkpoints", "epoch-000003"))).isTrue();
      assertThat(s.load(3).model()).isEqualTo(TestCheckpoints.content(3).model());
    }
  }
}
