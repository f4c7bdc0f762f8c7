package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.driver.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobNestingTest {

  @TempDir
  Path tmp;

  private static java.util.Optional<String> otherEntries(Path dir) {
    return JobNesting.otherEntries(new org.apache.hadoop.fs.Path(dir.toAbsolutePath().toString()),
        new Configuration());
  }

  @Test
  void aNewJobDirHoldingFilesThatAreNotAJobsIsWarnedOfNamingThemSorted() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("dir"));
    Files.writeString(dir.resolve("notes.txt"), "mine");
    Files.createDirectories(dir.resolve("plots"));
    Files.writeString(dir.resolve("a.csv"), "x\n");

    assertThat(otherEntries(dir)).hasValue("job.dir file://" + dir.toAbsolutePath() + " already holds 3 entries that "
        + "are not a job's (a.csv, notes.txt, plots/): the job's files (job.json, checkpoints/, events/, ...) are "
        + "written beside them; give the job a directory of its own to keep them apart, e.g. file://"
        + dir.toAbsolutePath() + "/job");
    Path single = Files.createDirectories(tmp.resolve("single"));
    Files.writeString(single.resolve("readme.txt"), "mine");
    assertThat(otherEntries(single)).hasValueSatisfying(w -> assertThat(w).contains("already holds 1 entry that is "
        + "not a job's (readme.txt): the job's files (job.json, checkpoints/, events/, ...) are written beside it;"));
    Files.writeString(dir.resolve("b.csv"), "x\n");
    assertThat(otherEntries(dir)).hasValueSatisfying(w -> assertThat(w).contains("4 entries that are not a job's "
        + "(a.csv, b.csv, notes.txt, ...)"));
  }

  @Test
  void aNewJobDirHoldingAnotherToolsCheckpointsFolderIsWarnedOfNotRefusedAsHoldingAJob() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("dir"));
    Path lightning = Files.createDirectories(dir.resolve("lightning/checkpoints"));
    Files.writeString(lightning.resolve("epoch=3-step=1000.ckpt"), "weights");

    assertThat(JobNesting.checkNewJobDir(new org.apache.hadoop.fs.Path(dir.toAbsolutePath().toString()),
        new Configuration())).hasValueSatisfying(w -> assertThat(w).contains("1 entry that is not a job's "
        + "(lightning/)"));

    Path run = Files.createDirectories(dir.resolve("old-run/checkpoints/epoch-000001"));
    Files.writeString(run.resolve("manifest.json"), "{}");
    assertThatThrownBy(() -> JobNesting.checkNewJobDir(new org.apache.hadoop.fs.Path(dir.toAbsolutePath()
        .toString()), new Configuration())).isInstanceOf(ConfigException.class)
        .hasMessageContaining("holds the job directory old-run: a job created here would hide it");
  }

  @Test
  void aMissingOrEmptyDirOrOneHoldingOnlyAJobsOwnAndHiddenFilesIsNotWarnedOf() throws Exception {
    assertThat(otherEntries(tmp.resolve("not-yet"))).isEmpty();
    Path dir = Files.createDirectories(tmp.resolve("dir"));
    assertThat(otherEntries(dir)).isEmpty();
    for (String own : new String[] {"job.json", "lease.json", "state.json", "relocated.json", ".job.json.crc",
        "_tmp-1"}) {
      Files.writeString(dir.resolve(own), "{}");
    }
    for (String own : new String[] {"checkpoints", "events", "lease", ".hidden", "_SUCCESS_DIR"}) {
      Files.createDirectories(dir.resolve(own));
    }
    assertThat(otherEntries(dir)).isEmpty();
    Path file = Files.writeString(tmp.resolve("a-file"), "x");
    assertThat(otherEntries(file)).as("a file is the run's to refuse").isEmpty();
  }
}
