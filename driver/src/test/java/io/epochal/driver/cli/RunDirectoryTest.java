package io.epochal.driver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDirectoryTest {

  @Test
  void onlyTheLaunchersDirectoryNamedAfterThisProcessIsOwned() {
    assertThat(RunDirectory.ownedBy(812, "/tmp/epochal-run-812")).contains(Path.of("/tmp/epochal-run-812"));
    assertThat(RunDirectory.ownedBy(812, "/tmp/epochal-run-812/")).contains(Path.of("/tmp/epochal-run-812"));
    assertThat(RunDirectory.ownedBy(812, "/tmp/epochal-run-812-Ab3xYz")).contains(Path.of("/tmp/epochal-run-812-Ab3xYz"));
    assertThat(RunDirectory.ownedBy(812, "/tmp/epochal-run-8120-Ab3xYz")).as("another run's").isEmpty();
    assertThat(RunDirectory.ownedBy(812, "/tmp/epochal-run-8120")).as("another run's").isEmpty();
    assertThat(RunDirectory.ownedBy(812, "/tmp/epochal-run-81")).as("another run's").isEmpty();
    assertThat(RunDirectory.ownedBy(812, "/tmp")).as("a directory the user chose").isEmpty();
    assertThat(RunDirectory.ownedBy(812, "/tmp/epochal-run-812/sub")).as("inside it, not it").isEmpty();
    assertThat(RunDirectory.ownedBy(812, "")).isEmpty();
    assertThat(RunDirectory.ownedBy(812, null)).isEmpty();
  }

  @Test
  void aJvmInAnotherProcesssRunDirectoryRecordsItselfThereAndOnlyThere(@TempDir Path tmp) throws Exception {
    Path launchers = Files.createDirectories(tmp.resolve("epochal-run-812-Ab3xYz"));
    assertThat(RunDirectory.recordUse(913, launchers.toString())).contains(launchers.resolve(".live-913"));
    assertThat(launchers.resolve(".live-913")).isRegularFile();

    Path own = Files.createDirectories(tmp.resolve("epochal-run-913-Cd4zWq"));
    assertThat(RunDirectory.recordUse(913, own.toString())).as("its own, deleted at exit").isEmpty();
    Path chosen = Files.createDirectories(tmp.resolve("scratch"));
    assertThat(RunDirectory.recordUse(913, chosen.toString())).as("a directory the user chose").isEmpty();
    assertThat(RunDirectory.recordUse(913, "")).isEmpty();
    try (java.util.stream.Stream<Path> left = Files.list(tmp)) {
      assertThat(left.flatMap(RunDirectoryTest::children)).containsExactly(launchers.resolve(".live-913"));
    }
  }

  private static java.util.stream.Stream<Path> children(Path dir) {
    try {
      return Files.list(dir).toList().stream();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
