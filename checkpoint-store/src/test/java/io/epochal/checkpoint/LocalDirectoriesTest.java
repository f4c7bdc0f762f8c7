package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LocalDirectories#create}: what it creates and refuses. (That the new entries reach the
 * disk, the point of its fsyncs, only a power cut would show.)
 */
class LocalDirectoriesTest {

  @TempDir
  Path tmp;

  @Test
  void createsEveryMissingDirectoryAndLeavesExistingOnesAsTheyAre() throws Exception {
    Path existing = Files.createDirectories(tmp.resolve("job"));
    Files.writeString(existing.resolve("job.json"), "{}");
    Path deep = existing.resolve("checkpoints").resolve("_tmp-epoch-000001-x");

    LocalDirectories.create(deep, false);
    LocalDirectories.create(deep, true); // again: nothing to create, nothing to sync

    assertThat(deep).isDirectory();
    assertThat(existing.resolve("job.json")).hasContent("{}");
    LocalDirectories.create(tmp.resolve("a").resolve("b"), true);
    assertThat(tmp.resolve("a").resolve("b")).isDirectory();
  }

  @Test
  void aFileInTheWayIsRefused() throws Exception {
    Files.writeString(tmp.resolve("file"), "x");
    assertThatThrownBy(() -> LocalDirectories.create(tmp.resolve("file").resolve("dir"), false))
        .isInstanceOf(java.io.IOException.class);
  }
}
