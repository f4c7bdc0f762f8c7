package io.epochal.driver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

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
}
