package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store on the local file system ({@code file://}). */
class LocalCheckpointStoreTest extends AbstractCheckpointStoreTest {

  @TempDir
  static Path root;

  private static RawLocalFileSystem fs;

  @BeforeAll
  static void openFs() throws IOException {
    fs = new RawLocalFileSystem();
    fs.initialize(java.net.URI.create("file:///"), new Configuration());
  }

  @AfterAll
  static void closeFs() throws IOException {
    fs.close();
  }

  @Override
  String newJobDir(String name) {
    return root.resolve(name).toUri().toString();
  }

  @Override
  Configuration conf() {
    return new Configuration();
  }

  @Override
  FileSystem fileSystem() {
    return fs;
  }

  /** A local file system whose delete returns false, deleting nothing, where {@code refuse} says so. */
  private static RawLocalFileSystem refusingDeletes(
      java.util.function.BiPredicate<org.apache.hadoop.fs.Path, Boolean> refuse) {
    return new RawLocalFileSystem() {
      @Override
      public boolean delete(org.apache.hadoop.fs.Path p, boolean recursive) throws IOException {
        return !refuse.test(p, recursive) && super.delete(p, recursive);
      }
    };
  }

  /**
   * Makes the fsync of directory {@code dir} fail as a disk's I/O error does, until the hook is reset; counts the
   * failures.
   */
  private static java.util.concurrent.atomic.AtomicInteger failFsyncOf(Path dir) {
    java.util.concurrent.atomic.AtomicInteger failed = new java.util.concurrent.atomic.AtomicInteger();
    LocalDirectories.fsynced = p -> {
      if (p.equals(dir)) {
        failed.incrementAndGet();
        throw new IOException("Input/output error");
      }
    };
    return failed;
  }

  @Test
  void aCommitSyncsItsTemporaryDirectoryBeforeTheRenameAndTheCheckpointsDirectoryAfterIt() throws Exception {
    String dir = root.resolve("synced-job").toUri().toString();
    Path checkpoints = Path.of(java.net.URI.create(dir)).resolve("checkpoints");
    java.util.List<Path> synced = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    // each sync of checkpoints/, with whether epoch 2 was renamed into place when it was made
    java.util.List<Boolean> renamedBefore = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    try (HadoopCheckpointStore s = HadoopCheckpointStore.builder().setJobDir(dir).build()) {
      s.commit(TestCheckpoints.content(1), CommitGuard.NONE);
      LocalDirectories.fsynced = p -> {
        synced.add(p);
        if (p.equals(checkpoints)) {
          renamedBefore.add(Files.exists(checkpoints.resolve("epoch-000002")));
        }
      };
      s.commit(TestCheckpoints.content(2), CommitGuard.NONE);
    } finally {
      LocalDirectories.fsynced = p -> { };
    }
    int temporary = java.util.stream.IntStream.range(0, synced.size()).filter(i -> synced.get(i).getParent()
        .equals(checkpoints) && synced.get(i).getFileName().toString().startsWith("_tmp-epoch-000002-"))
        .findFirst().orElse(-1);
    assertThat(temporary).as("the temporary directory is synced: %s", synced).isNotNegative();
    assertThat(synced.subList(temporary + 1, synced.size())).as("then, after the rename, checkpoints/: %s", synced)
        .contains(checkpoints);
    assertThat(renamedBefore).as("checkpoints/ synced once epoch 2 is in place").contains(true);
  }

  @Test
  void aNewestFileReplacedByAHeaderTooLargeForTheHeapIsDamageAndTheCheckpointBeforeItIsLatest() throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    store.commit(TestCheckpoints.content(2, 2_000_000), CommitGuard.NONE);
    Path model = Path.of(java.net.URI.create(store.checkpointsDir() + "/epoch-000002/" + CheckpointStore.MODEL_FILE));
    long size = Files.size(model);
    // the same size: a header of 110,000 empty tensors (about 6.6 MB, 77 MiB to index), then filler
    StringBuilder json = new StringBuilder("{");
    for (int i = 0; i < 110_000; i++) {
      json.append(i == 0 ? "" : ",").append(String.format("\"t%06d\":{\"dtype\":\"F32\",\"shape\":[0],"
          + "\"data_offsets\":[0,0]}", i));
    }
    json.append('}');
    while (json.length() % 8 != 0) {
      json.append(' ');
    }
    byte[] header = json.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(Math.toIntExact(size))
        .order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(header.length).put(header);
    Files.write(model, bytes.array());

    try (io.epochal.safetensors.HeapLimit small = io.epochal.safetensors.HeapLimit.of(64L << 20)) {
      LatestCheckpoint latest = store.latest(); // not "read it in a JVM with a larger heap"

      assertThat(latest.checkpoint().orElseThrow().epoch()).isEqualTo(1);
      assertThat(latest.skipped()).singleElement().satisfies(p -> assertThat(p.reason())
          .contains(CheckpointStore.MODEL_FILE + " has SHA-256 ").contains("content changed or damaged"));
    }
  }

  @Test
  void localStoreWritesNoChecksumSideFiles() throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    try (Stream<Path> files = Files.walk(Path.of(java.net.URI.create(jobDir)))) {
      assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".crc"));
    }
  }

  @Test
  void aSealedManifestListingNeitherTheModelNorItsIndexIsSkippedAsListingNotExactlyOne() throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    store.commit(TestCheckpoints.content(2), CommitGuard.NONE);
    Path manifest = Path.of(java.net.URI.create(jobDir)).resolve("checkpoints/epoch-000002/manifest.json");
    CheckpointManifest m = CheckpointManifest.parse(Files.readAllBytes(manifest), manifest.toString());
    // resealed through the manifest's own API: its digest is right, only the model entry is gone
    Files.write(manifest, m.withFiles(m.files().stream().filter(f -> !f.name().equals("model.safetensors"))
        .collect(java.util.stream.Collectors.toList())).toJson());

    LatestCheckpoint latest = store.latest();
    assertThat(latest.checkpoint().orElseThrow().epoch()).isEqualTo(1);
    assertThat(latest.skipped()).singleElement().satisfies(p -> {
      assertThat(p.epoch()).isEqualTo(2);
      assertThat(p.reason()).contains("lists neither model.safetensors nor model.safetensors.index.json")
          .contains("exactly one");
    });
  }

  @Test
  void aCheckpointWhoseDirectorySyncFailsAfterItsRenameIsCommittedNotReportedAsLost() throws Exception {
    String dir = root.resolve("sync-fails-after-rename-job").toUri().toString();
    Path checkpoints = Path.of(java.net.URI.create(dir)).resolve("checkpoints");
    try (HadoopCheckpointStore s = HadoopCheckpointStore.builder().setJobDir(dir).build()) {
      s.commit(TestCheckpoints.content(1), CommitGuard.NONE);
      // the disk reports an I/O error for the checkpoints directory's fsync, which follows the rename
      java.util.concurrent.atomic.AtomicInteger failed = failFsyncOf(checkpoints);
      CheckpointManifest m = s.commit(TestCheckpoints.content(2), CommitGuard.NONE);
      assertThat(failed.get()).as("the fsync failed").isPositive();
      assertThat(m.epoch()).isEqualTo(2);
      assertThat(s.latest().checkpoint().orElseThrow().epoch()).isEqualTo(2);
      assertThat(s.verify(2).ok()).isTrue();
    } finally {
      LocalDirectories.fsynced = p -> { };
    }
  }

  @Test
  void plainLocalPathWorksAsJobDir() throws Exception {
    String plain = root.resolve("plain-path-job").toString();
    try (HadoopCheckpointStore s = HadoopCheckpointStore.builder().setJobDir(plain).build()) {
      s.commit(TestCheckpoints.content(3), CommitGuard.NONE);
      assertThat(Files.isDirectory(Path.of(plain, "checkpoints", "epoch-000003"))).isTrue();
      assertThat(s.load(3).model()).isEqualTo(TestCheckpoints.content(3).model());
    }
  }

  @Test
  void aDeletionThatLeavesFilesBehindIsReportedAndWhatItLeftIsNeverListedAndIsCleanedUpLater() throws Exception {
    String dir = root.resolve("undeletable-job").toUri().toString();
    // the local file system's recursive delete returns false when some files stay (a busy NFS
    // file, a permission problem; a driver killed half-way leaves the same); here it deletes
    // nothing but the manifest
    RawLocalFileSystem stubborn = refusingDeletes((p, recursive) -> recursive);
    Path checkpoints = Path.of(java.net.URI.create(dir)).resolve("checkpoints");
    try (HadoopCheckpointStore s = HadoopCheckpointStore.builder().setJobDir(dir).localFileSystem(stubborn).build()) {
      s.commit(TestCheckpoints.content(1), CommitGuard.NONE);
      s.commit(TestCheckpoints.content(2), CommitGuard.NONE);
      assertThatThrownBy(() -> s.delete(1)).isInstanceOf(CheckpointException.class)
          .hasMessageContaining("epoch-000001").hasMessageContaining("some of its files remain in")
          .hasMessageContaining("_deleting-epoch-000001-").hasMessageContaining("cleanTemporary()");
      assertThat(checkpoints.resolve("epoch-000001")).doesNotExist();
      assertThat(s.list()).extracting(CheckpointEntry::epoch).containsExactly(2L);
      assertThat(s.verifyAll()).allMatch(VerificationReport::ok);
      assertThatThrownBy(() -> s.load(1)).isInstanceOf(CheckpointException.class);
    }
    Path left;
    try (Stream<Path> names = Files.list(checkpoints)) {
      left = names.filter(p -> p.getFileName().toString().startsWith("_deleting-epoch-000001-")).findFirst()
          .orElseThrow();
    }
    assertThat(left.resolve("manifest.json")).as("the manifest went before the data").doesNotExist();
    assertThat(left.resolve("model.safetensors")).exists();
    try (HadoopCheckpointStore s = HadoopCheckpointStore.builder().setJobDir(dir).build()) {
      assertThat(s.cleanTemporary()).singleElement().satisfies(p -> assertThat(p).endsWith(left.getFileName().toString()));
      assertThat(left).doesNotExist();
      assertThat(s.latest().checkpoint().orElseThrow().epoch()).isEqualTo(2);
    }
  }

  @Test
  void aDeletionWhoseDirectorySyncFailsAfterItsRenameIsReportedAsUnpublishedNotAsKept() throws Exception {
    String dir = root.resolve("sync-fails-on-delete-job").toUri().toString();
    Path checkpoints = Path.of(java.net.URI.create(dir)).resolve("checkpoints");
    try (HadoopCheckpointStore s = HadoopCheckpointStore.builder().setJobDir(dir).build()) {
      s.commit(TestCheckpoints.content(1), CommitGuard.NONE);
      s.commit(TestCheckpoints.content(2), CommitGuard.NONE);
      // the disk reports an I/O error for the checkpoints directory's fsync, which follows the rename
      failFsyncOf(checkpoints);
      assertThatThrownBy(() -> s.delete(1)).isInstanceOf(CheckpointException.class)
          .hasMessageContaining("epoch-000001").hasMessageContaining("was unpublished (renamed to ")
          .hasMessageContaining("_deleting-epoch-000001-").hasMessageContaining("Input/output error")
          .hasMessageContaining("cleanTemporary()").hasMessageNotContaining("cannot be deleted");
      assertThat(s.list()).extracting(CheckpointEntry::epoch).containsExactly(2L);
    } finally {
      LocalDirectories.fsynced = p -> { };
    }
  }

  @Test
  void aCheckpointThatCannotBeUnpublishedKeepsAllItsDataAndStillLoads() throws Exception {
    // a file system whose rename returns false (the local one renames a directory with one rename(2) of its own)
    String dir = OtherSchemeFileSystem.uri(root.resolve("rename-stuck-job"));
    OtherSchemeFileSystem.failRenamesTo(p -> p.getName().startsWith("_deleting-"));
    try (HadoopCheckpointStore s = HadoopCheckpointStore.builder().setJobDir(dir)
        .optConfiguration(OtherSchemeFileSystem.register(new org.apache.hadoop.conf.Configuration())).build()) {
      s.commit(TestCheckpoints.content(1), CommitGuard.NONE);
      s.commit(TestCheckpoints.content(2), CommitGuard.NONE);
      assertThatThrownBy(() -> s.delete(1)).isInstanceOf(CheckpointException.class)
          .hasMessageContaining("returned false; nothing was removed");
      assertThat(s.load(1).model()).isEqualTo(TestCheckpoints.content(1).model());
      assertThat(s.verify(1).ok()).isTrue();
    } finally {
      OtherSchemeFileSystem.clearFaults();
    }
  }

  @Test
  void aLocalCheckpointRenamedAwayIsMovedInOneStepNeverCopied() throws Exception {
    String dir = root.resolve("rename-once-job").toUri().toString();
    java.util.concurrent.atomic.AtomicInteger copies = new java.util.concurrent.atomic.AtomicInteger();
    RawLocalFileSystem counting = new RawLocalFileSystem() {
      @Override
      public boolean rename(org.apache.hadoop.fs.Path from, org.apache.hadoop.fs.Path to) throws IOException {
        copies.incrementAndGet(); // Hadoop's local rename, whose fallback copies a directory it cannot rename
        return super.rename(from, to);
      }
    };
    try (HadoopCheckpointStore s = HadoopCheckpointStore.builder().setJobDir(dir).localFileSystem(counting).build()) {
      s.commit(TestCheckpoints.content(1), CommitGuard.NONE);
      s.commit(TestCheckpoints.content(2), CommitGuard.NONE);
      assertThat(s.delete(1)).isTrue();
      assertThat(copies).as("no directory renamed through Hadoop's local rename").hasValue(0);
      assertThat(s.list()).extracting(CheckpointEntry::epoch).containsExactly(2L);
    }
  }

  @Test
  void aTemporaryDirectoryThatCannotBeRemovedIsNamedAndTheOthersAreStillRemoved() throws Exception {
    String dir = root.resolve("stuck-temp-job").toUri().toString();
    RawLocalFileSystem stubborn = refusingDeletes((p, recursive) -> p.getName().endsWith("-stuck"));
    Path checkpoints = Path.of(java.net.URI.create(dir)).resolve("checkpoints");
    for (String name : new String[] {"_tmp-epoch-000003-stuck", "_tmp-epoch-000004-free", "_tmp-epoch-000005-free"}) {
      Files.createDirectories(checkpoints.resolve(name));
      Files.writeString(checkpoints.resolve(name).resolve("model.safetensors"), "partial");
    }
    try (HadoopCheckpointStore s = HadoopCheckpointStore.builder().setJobDir(dir).localFileSystem(stubborn).build()) {
      assertThatThrownBy(s::cleanTemporary).isInstanceOf(CheckpointException.class)
          .hasMessageContaining("_tmp-epoch-000003-stuck (renamed to _deleting-epoch-000003-stuck)")
          .hasMessageContaining("cannot be removed").hasMessageContaining("remove it by hand");
    }
    try (Stream<Path> names = Files.list(checkpoints)) {
      assertThat(names.map(p -> p.getFileName().toString())).containsExactly("_deleting-epoch-000003-stuck");
    }
  }

  /**
   * A driver that lost its lease after its guard passed publishes its commit's directory while the
   * new holder removes it as stale: the removal renames it away first, so the late publish finds
   * nothing, and no checkpoint with some of its files deleted is published.
   */
  @Test
  void aStaleCommitPublishedWhileItsDirectoryIsRemovedNeverPublishesItHalfDeleted() throws Exception {
    String dir = root.resolve("late-publish-job").toUri().toString();
    Path checkpoints = Path.of(java.net.URI.create(dir)).resolve("checkpoints");
    Path tmp = checkpoints.resolve("_tmp-epoch-000002-late");
    java.util.List<String> latePublish = new java.util.ArrayList<>();
    RawLocalFileSystem racing = new RawLocalFileSystem() {
      @Override
      public boolean delete(org.apache.hadoop.fs.Path p, boolean recursive) throws IOException {
        if (recursive && p.getName().endsWith("-late")) {
          // the removal has deleted one file when the late driver's publish (one rename) runs
          Files.deleteIfExists(tmp.resolve("model.safetensors"));
          try {
            Files.move(tmp, checkpoints.resolve("epoch-000002"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            latePublish.add("published");
          } catch (java.nio.file.NoSuchFileException e) {
            latePublish.add("found nothing");
          }
        }
        return super.delete(p, recursive);
      }
    };
    try (HadoopCheckpointStore s = HadoopCheckpointStore.builder().setJobDir(dir).localFileSystem(racing).build()) {
      s.commit(TestCheckpoints.content(1), CommitGuard.NONE);
      s.commit(TestCheckpoints.content(2), CommitGuard.NONE);
      Files.move(checkpoints.resolve("epoch-000002"), tmp); // epoch 2 as its commit left it before the publish
      assertThat(s.cleanTemporary()).singleElement().satisfies(p -> assertThat(p).endsWith("_tmp-epoch-000002-late"));
      assertThat(latePublish).containsExactly("found nothing");
      assertThat(s.latest().skipped()).isEmpty();
      assertThat(s.list()).extracting(CheckpointEntry::epoch).containsExactly(1L);
    }
  }

  @Test
  void anEpochPublishedBetweenTheCheckAndTheRenameIsRefusedAsExisting() throws Exception {
    String dir = root.resolve("racing-job").toUri().toString();
    // exists() misses the published epoch 5, as when another writer renames it in just after the
    // check: the rename itself must refuse, as the checkpoint that exists
    RawLocalFileSystem blind = new RawLocalFileSystem() {
      @Override
      public boolean exists(org.apache.hadoop.fs.Path p) throws IOException {
        return !p.getName().equals("epoch-000005") && super.exists(p);
      }
    };
    try (HadoopCheckpointStore s = HadoopCheckpointStore.builder().setJobDir(dir).localFileSystem(blind).build()) {
      s.commit(TestCheckpoints.content(5, 64), CommitGuard.NONE);
      assertThatThrownBy(() -> s.commit(TestCheckpoints.content(5), CommitGuard.NONE))
          .isInstanceOf(CheckpointExistsException.class).hasMessageContaining("epoch-000005");
      try (Stream<Path> names = Files.list(Path.of(java.net.URI.create(dir)).resolve("checkpoints"))) {
        assertThat(names.map(p -> p.getFileName().toString())).containsExactly("epoch-000005");
      }
    }
    try (HadoopCheckpointStore s = HadoopCheckpointStore.builder().setJobDir(dir).build()) {
      assertThat(s.load(5).model()).isEqualTo(TestCheckpoints.content(5, 64).model());
    }
  }
}
