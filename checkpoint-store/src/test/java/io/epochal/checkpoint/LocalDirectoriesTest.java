package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LocalDirectories#create}: what it creates and refuses, and which directories it fsyncs
 * (that the new entries then reach the disk only a power cut would show).
 */
class LocalDirectoriesTest {

  @TempDir
  Path tmp;

  private final java.util.List<Path> synced = new java.util.concurrent.CopyOnWriteArrayList<>();

  @org.junit.jupiter.api.BeforeEach
  void recordSyncs() {
    LocalDirectories.fsynced = synced::add;
  }

  @org.junit.jupiter.api.AfterEach
  void stopRecording() {
    LocalDirectories.fsynced = p -> { };
  }

  @Test
  void theParentOfEveryDirectoryItCreatesIsSyncedUpToTheFirstThatExisted() throws Exception {
    Path job = Files.createDirectories(tmp.resolve("job"));
    LocalDirectories.create(job.resolve("checkpoints").resolve("_tmp-epoch-000001-x"), false);
    assertThat(synced).as("checkpoints/ is new: its entry in the job directory; the temporary one's is the publish's")
        .containsExactly(job);

    synced.clear();
    LocalDirectories.create(job.resolve("checkpoints").resolve("_tmp-epoch-000002-y"), false);
    assertThat(synced).as("a later commit: nothing new above its temporary directory").isEmpty();

    LocalDirectories.create(tmp.resolve("root").resolve("new-job"), true);
    assertThat(synced).as("a new job directory in a new root, its own entry too")
        .containsExactly(tmp.resolve("root"), tmp);
  }

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

  @Test
  void aJobFileReplacedOnTheLocalFileSystemHasItsDirectorySyncedAfterTheMove() throws Exception {
    Path job = Files.createDirectories(tmp.resolve("job"));
    org.apache.hadoop.fs.FileSystem fs = org.apache.hadoop.fs.FileSystem.getLocal(
        new org.apache.hadoop.conf.Configuration());
    io.epochal.job.JobStateStore states = new io.epochal.job.JobStateStore(fs, new org.apache.hadoop.fs.Path(
        job.toUri()));
    states.transition(io.epochal.job.JobState.RUNNING, 1, "started");
    synced.clear();
    states.transition(io.epochal.job.JobState.COMPLETED, 1, "done"); // replaces state.json
    assertThat(synced).as("state.json's directory, once the new file is in place").contains(job);
  }

  @Test
  void aLeaseClaimWhoseDirectorySyncFailsIsStillTheClaimersAndReleasedSoTheNextDriverTakesTheJob() throws Exception {
    org.apache.hadoop.fs.FileSystem fs = org.apache.hadoop.fs.FileSystem.getLocal(
        new org.apache.hadoop.conf.Configuration());
    org.apache.hadoop.fs.Path job = new org.apache.hadoop.fs.Path(Files.createDirectories(tmp.resolve("job")).toUri());
    Path claims = tmp.resolve("job").resolve(io.epochal.job.JobPaths.leaseTokens(job).getName());
    // the disk fails the sync of the claims' directory once the claim is linked in (an I/O error)
    java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
    LocalDirectories.fsynced = p -> {
      if (p.equals(claims)) {
        LocalDirectories.fsynced = q -> { };
        failed.set(true);
        throw new java.io.IOException("injected: fsync of " + p + " failed");
      }
    };
    io.epochal.job.JobLease first = io.epochal.job.JobLease.builder().setFileSystem(fs).setJobDir(job)
        .optHolder("driver-a").optTtl(java.time.Duration.ofMinutes(10)).build();

    io.epochal.job.LeaseRecord taken = first.acquire(1);

    assertThat(failed).as("the claim's directory sync failed").isTrue();
    assertThat(first.getRecord()).contains(taken);
    first.release();
    assertThat(io.epochal.job.JobLease.builder().setFileSystem(fs).setJobDir(job).optHolder("driver-b")
        .optTtl(java.time.Duration.ofMinutes(10)).build().acquire(2).getToken()).isEqualTo(taken.getToken() + 1);
  }
}
