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

  @org.junit.jupiter.api.Test
  void aJobDirectoryThatCannotBeCreatedIsNamedNotAMissingTemporaryFile() {
    // procfs refuses new directories to every user, root included
    org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isDirectory(java.nio.file.Paths.get("/proc/self")));
    Path job = new Path("file:///proc/epochal-job-" + java.util.UUID.randomUUID());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new JobSpecStore(fs, job).writeOnce(
        JobSpec.of("x", "x", io.epochal.params.HyperParameters.builder().put("job.name", "x").build())))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("cannot create directory file:/proc/epochal-job-")
        .hasMessageNotContaining("_tmp-");
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
