package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store on a file system that is neither local nor HDFS ({@link OtherSchemeFileSystem}): its
 * files go through Hadoop's generic API and its publish through {@code FileContext}'s rename.
 */
class OtherSchemeCheckpointStoreTest extends AbstractCheckpointStoreTest {

  @TempDir
  static Path root;

  private static FileSystem fs;

  @BeforeAll
  static void openFs() throws IOException {
    fs = OtherSchemeFileSystem.open();
  }

  @AfterAll
  static void closeFs() throws IOException {
    fs.close();
  }

  @AfterEach
  void clearFaults() {
    OtherSchemeFileSystem.clearFaults();
  }

  @Override
  String newJobDir(String name) {
    return OtherSchemeFileSystem.uri(root.resolve(name));
  }

  @Override
  Configuration conf() {
    return OtherSchemeFileSystem.register(new Configuration());
  }

  @Override
  FileSystem fileSystem() {
    return fs;
  }

  @Test
  void aStoreThatCannotOpenClosesTheFileSystemItOpened() {
    Configuration broken = OtherSchemeFileSystem.registerWithoutFileContext(new Configuration());
    broken.set("fs.AbstractFileSystem." + OtherSchemeFileSystem.SCHEME + ".impl",
        OtherSchemeFileSystem.BrokenAfs.class.getName());
    int open = OtherSchemeFileSystem.openInstances();
    assertThatThrownBy(() -> HadoopCheckpointStore.builder().setJobDir(newJobDir("broken-file-context"))
        .optConfiguration(broken).build())
        .isInstanceOf(CheckpointException.class).hasMessageContaining("file system cannot be opened");
    assertThat(OtherSchemeFileSystem.openInstances()).isEqualTo(open);
  }

  @Test
  void aCommitInterruptedWhileItsManifestIsBeingCreatedWaitsForTheCreateAndLeavesNoFileOpenNorTemporaryDirectory()
      throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    OtherSchemeFileSystem.holdCreatesOf(p -> p.getName().equals("manifest.json")
        && p.getParent().getName().startsWith("_tmp-"), held, release);
    Thread releaser = new Thread(() -> { // the file system answers a second after the create began
      try {
        held.await();
        Thread.sleep(1_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      release.countDown();
    });
    releaser.start();
    Thread committer = Thread.currentThread();
    OutputStreamDecorator interrupting = (name, out) -> !name.equals("model.safetensors") ? out
        : new java.io.FilterOutputStream(out) {
          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            try {
              held.await(); // the manifest's create is under way
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            committer.interrupt(); // as a driver's stop or a cancelled task interrupts it
            throw new java.io.InterruptedIOException("interrupted while writing " + name);
          }
        };
    int streams = OtherSchemeFileSystem.openStreams();
    try (HadoopCheckpointStore interrupted = HadoopCheckpointStore.builder().setJobDir(jobDir)
        .optConfiguration(conf()).optOutputDecorator(interrupting).build()) {
      assertThatThrownBy(() -> interrupted.commit(TestCheckpoints.content(2), CommitGuard.NONE))
          .isInstanceOf(CheckpointException.class).hasMessageContaining("epoch 2");
      assertThat(Thread.interrupted()).as("the interrupt is kept for the caller").isTrue();
      release.countDown();
      releaser.join();
    }
    Path checkpoints = Path.of(java.net.URI.create(jobDir).getPath(), "checkpoints");
    try (var entries = Files.list(checkpoints)) {
      assertThat(entries).as("no temporary directory made again by the create that ended after the commit")
          .containsExactly(checkpoints.resolve("epoch-000001"));
    }
    assertThat(OtherSchemeFileSystem.openStreams()).as("the manifest's stream closed").isEqualTo(streams);
  }

  @Test
  void checkpointsOfAnotherSchemeAreNamedWithItAndReadBack() throws Exception {
    store.commit(TestCheckpoints.content(2), CommitGuard.NONE);
    assertThat(store.checkpointsDir()).startsWith(OtherSchemeFileSystem.SCHEME + ":");
    assertThat(store.latest().checkpoint()).hasValueSatisfying(c -> assertThat(c.manifest().epoch()).isEqualTo(2));
    assertThat(Path.of(java.net.URI.create(jobDir).getPath(), "checkpoints", "epoch-000002", "manifest.json"))
        .isRegularFile();
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
