package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The store on a file system registered only as a {@link FileSystem}, with no {@code
 * AbstractFileSystem} for {@code FileContext} (as many third-party connectors ship): it publishes
 * with {@link FileSystem#rename} after checking that the target is absent, and every behaviour of
 * {@link AbstractCheckpointStoreTest} and {@link OtherSchemeCheckpointStoreTest} holds there too.
 */
class NoFileContextCheckpointStoreTest extends OtherSchemeCheckpointStoreTest {

  @AfterEach
  void clearFaults() {
    OtherSchemeFileSystem.clearFaults();
  }

  @Override
  Configuration conf() {
    return OtherSchemeFileSystem.registerWithoutFileContext(new Configuration());
  }

  @Test
  void theSchemeHasNoFileContextHere() {
    assertThatThrownBy(() -> org.apache.hadoop.fs.FileContext.getFileContext(
        java.net.URI.create(OtherSchemeFileSystem.SCHEME + ":///"), conf()))
        .isInstanceOf(org.apache.hadoop.fs.UnsupportedFileSystemException.class);
  }

  @Test
  void aCheckpointAnotherWriterPublishedBetweenTheCheckAndTheRenameStaysAsItWasAndTheCommitIsRefused()
      throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    OtherSchemeFileSystem.publishFirstAt(p -> p.getName().equals("epoch-000002"));

    assertThatThrownBy(() -> store.commit(TestCheckpoints.content(2), CommitGuard.NONE))
        .isInstanceOf(CheckpointExistsException.class).hasMessageContaining("epoch-000002");

    Path epoch2 = Path.of(java.net.URI.create(jobDir).getPath(), "checkpoints", "epoch-000002");
    try (var entries = Files.list(epoch2)) {
      assertThat(entries).as("the other writer's checkpoint, without the refused commit moved into it")
          .containsExactly(epoch2.resolve("manifest.json"));
    }
    assertThat(Files.readString(epoch2.resolve("manifest.json"), StandardCharsets.UTF_8)).contains("another writer");
    try (var entries = Files.list(epoch2.getParent())) {
      assertThat(entries).as("no temporary directory left").noneMatch(p -> p.getFileName().toString().startsWith("_tmp"));
    }
  }
}
