package io.epochal.job;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Creating a job file exclusively on a local mount that makes no hard links (vfat, exFAT, some SMB mounts). */
class JobFsLocalTest {

  @TempDir java.nio.file.Path tmp;

  private static final JobFs.Linker NO_HARD_LINKS = (link, existing) -> {
    throw new FileSystemException(link.toString(), existing.toString(), "Operation not permitted");
  };

  @Test
  void onAMountWithoutHardLinksTheFileIsCreatedInPlaceOnceWithItsWholeContent() throws IOException {
    JobFs files = new JobFs(FileSystem.getLocal(new Configuration()), NO_HARD_LINKS);
    Path job = new Path(tmp.resolve("job").toUri());
    Path spec = new Path(job, "job.json");

    assertThat(files.createExclusive(spec, "{\"first\":1}".getBytes(StandardCharsets.UTF_8))).isTrue();
    assertThat(files.createExclusive(spec, "{\"second\":2}".getBytes(StandardCharsets.UTF_8)))
        .as("a second writer finds it").isFalse();

    assertThat(Files.readString(tmp.resolve("job/job.json"))).isEqualTo("{\"first\":1}");
    try (var left = Files.list(tmp.resolve("job"))) {
      assertThat(left.map(p -> p.getFileName().toString())).as("no temporary file left").containsExactly("job.json");
    }
  }
}
