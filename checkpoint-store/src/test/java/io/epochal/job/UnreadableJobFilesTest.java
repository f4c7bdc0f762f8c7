package io.epochal.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.net.URI;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnreadableJobFilesTest {

  @TempDir
  java.nio.file.Path tmp;

  /** The local file system as a user without read permission sees it: open says "Permission denied". */
  private static final class NoReadPermission extends RawLocalFileSystem {
    @Override
    public FSDataInputStream open(Path p, int bufferSize) throws IOException {
      if (exists(p)) {
        throw new FileNotFoundException(pathToFile(p) + " (Permission denied)");
      }
      return super.open(p, bufferSize);
    }
  }

  @Test
  void aJobFileThatCannotBeReadIsSaidToBeUnreadableNotAbsent() throws IOException {
    NoReadPermission fs = new NoReadPermission();
    fs.initialize(URI.create("file:///"), new Configuration());
    Path dir = new Path(tmp.toUri());
    Files.writeString(tmp.resolve(JobPaths.STATE), "{}");
    Files.writeString(tmp.resolve(JobPaths.JOB_SPEC), "{}");

    assertThatThrownBy(() -> new JobStateStore(fs, dir).read()).isInstanceOf(AccessDeniedException.class)
        .hasMessageContaining("state.json").hasMessageContaining("cannot be read: permission denied")
        .hasMessageContaining("make it readable");
    assertThatThrownBy(() -> new JobSpecStore(fs, dir).read()).isInstanceOf(AccessDeniedException.class)
        .hasMessageContaining("job.json");
    assertThat(new JobSpecStore(fs, new Path(tmp.resolve("none").toUri())).read()).as("absent is absent").isEmpty();
  }
}
