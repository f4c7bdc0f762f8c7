package io.epochal.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.checkpoint.OtherSchemeFileSystem;
import io.epochal.params.HyperParameters;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Job files on a file system that is neither local nor HDFS ({@link OtherSchemeFileSystem}): files
 * are created in place, exclusively, with no rename.
 */
class JobFilesOtherSchemeTest extends JobFilesContract {

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

  @Test
  void aDriverThatLosesTheRaceToCreateTheJobSpecToADifferentSpecIsRefusedWithTheDiff() throws IOException {
    Path jobDir = new Path(root(), "job-spec-race");
    JobSpec ours = JobSpec.of("job-1", "mnist mlp", HyperParameters.builder().put("optimizer.lr", 0.01).build());
    JobSpec theirs = JobSpec.of("job-1", "mnist mlp", HyperParameters.builder().put("optimizer.lr", 0.02).build());
    AtomicBoolean race = new AtomicBoolean(true);
    // the other driver writes job.json after our read found none, just before our exclusive create
    FileSystem racing = new FilterFileSystem(fs) {
      @Override
      public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
          short replication, long blockSize, Progressable progress) throws IOException {
        if (f.equals(JobPaths.jobSpec(jobDir)) && !overwrite && race.getAndSet(false)) {
          assertThat(new JobSpecStore(fs, jobDir).writeOnce(theirs)).isTrue();
        }
        return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
      }
    };
    JobSpecStore store = new JobSpecStore(racing, jobDir);

    assertThatThrownBy(() -> store.writeOnce(ours)).isInstanceOf(JobSpecMismatchException.class)
        .satisfies(e -> assertThat(((JobSpecMismatchException) e).getDifferences())
            .containsExactly("optimizer.lr: 0.02 -> 0.01"))
        .hasMessageContaining(JobPaths.jobSpec(jobDir).toString()).hasMessageContaining("optimizer.lr: 0.02 -> 0.01");
    assertThat(race).as("the other driver created job.json first").isFalse();
    assertThat(store.read()).contains(theirs);
  }
}
