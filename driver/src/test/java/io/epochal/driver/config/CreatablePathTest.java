package io.epochal.driver.config;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CreatablePathTest {

  private static final Configuration CONF = new Configuration();

  @TempDir
  Path tmp;

  private static org.apache.hadoop.fs.Path hadoop(Path p) {
    return new org.apache.hadoop.fs.Path(p.toUri());
  }

  @Test
  void aDirectoryUnderAFileIsRefusedNamingTheKeyAndTheFile() throws Exception {
    Path file = Files.writeString(tmp.resolve("rows.csv"), "f0,label\n");

    assertThatThrownBy(() -> CreatablePath.requireDirectory("job.dir", hadoop(file.resolve("job/sub")), CONF))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("job.dir " + hadoop(file.resolve("job/sub")) + " cannot be created: "
            + hadoop(file) + " is a file")
        .hasMessageContaining("give a directory path whose parents are directories");
    assertThatThrownBy(() -> CreatablePath.requireDirectory("--work-dir", hadoop(file), CONF))
        .hasMessageContaining("--work-dir " + hadoop(file) + " is a file");
  }

  @Test
  void aNewDirectoryUnderDirectoriesOrAnExistingDirectoryIsAccepted() throws Exception {
    Files.createDirectories(tmp.resolve("jobs"));
    assertThatCode(() -> CreatablePath.requireDirectory("job.dir", hadoop(tmp.resolve("jobs/a/b")), CONF))
        .doesNotThrowAnyException();
    assertThatCode(() -> CreatablePath.requireDirectory("job.dir", hadoop(tmp.resolve("jobs")), CONF))
        .doesNotThrowAnyException();
  }
}
