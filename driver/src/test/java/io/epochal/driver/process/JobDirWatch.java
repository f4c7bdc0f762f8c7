package io.epochal.driver.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointException;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.checkpoint.VerificationReport;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventLog;
import io.epochal.job.JobStateStore;
import io.epochal.job.JobStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Reads a local job directory from outside the driver that owns it, the way an operator would:
 * waits for checkpoints to be published, lists temporary directories, reads the lease, the events,
 * the state and the checkpoints through the real store.
 */
final class JobDirWatch {

  /** How often the directory is looked at while waiting. */
  private static final long POLL_MS = 10;

  private final Path dir;

  JobDirWatch(Path dir) {
    this.dir = dir;
  }

  /** The job directory. */
  Path dir() {
    return dir;
  }

  /** {@code checkpoints/epoch-NNNNNN/manifest.json} of {@code epoch}. */
  Path manifest(long epoch) {
    return dir.resolve("checkpoints").resolve(String.format("epoch-%06d", epoch)).resolve("manifest.json");
  }

  /**
   * Waits until the checkpoint of {@code epoch} is published (its manifest is in its final
   * directory) and returns the moment it was seen.
   *
   * @throws AssertionError with the driver's output if the driver ends first or the time is up
   */
  long awaitCheckpoint(long epoch, ChildJvm driver, Duration timeout) throws InterruptedException {
    Path manifest = manifest(epoch);
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!Files.exists(manifest)) {
      if (!driver.isAlive()) {
        throw new AssertionError(driver + " ended before it published " + manifest + ". Output:\n"
            + driver.logTail(60));
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(driver + " did not publish " + manifest + " within " + timeout + ". Output:\n"
            + driver.logTail(60));
      }
      Thread.sleep(POLL_MS);
    }
    return System.nanoTime();
  }

  /** Names of the {@code _tmp-*} directories under {@code checkpoints/} now. */
  List<String> temporaryDirs() throws IOException {
    Path checkpoints = dir.resolve("checkpoints");
    if (!Files.isDirectory(checkpoints)) {
      return List.of();
    }
    try (Stream<Path> children = Files.list(checkpoints)) {
      return children.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("_tmp-")).sorted().toList();
    }
  }

  /** Every event of every attempt, in order. */
  List<JobEvent> events() throws IOException {
    try (FileSystem fs = FileSystem.newInstance(hadoopPath().toUri(), new Configuration())) {
      return new JobEventLog(fs, hadoopPath()).readAll();
    }
  }

  /** The job's state file. */
  Optional<JobStatus> status() throws IOException {
    try (FileSystem fs = FileSystem.newInstance(hadoopPath().toUri(), new Configuration())) {
      return new JobStateStore(fs, hadoopPath()).read();
    }
  }

  /** The keys of the job's {@code job.json}. */
  io.epochal.params.HyperParameters storedKeys() throws IOException {
    try (FileSystem fs = FileSystem.newInstance(hadoopPath().toUri(), new Configuration())) {
      return new io.epochal.job.JobSpecStore(fs, hadoopPath()).read()
          .orElseThrow(() -> new AssertionError("no job.json in " + dir)).getHyperParameters();
    }
  }

  /** The newest checkpoint that verifies, as the store finds it. */
  Optional<LoadedCheckpoint> latest() throws CheckpointException, IOException {
    try (HadoopCheckpointStore store = store()) {
      return store.latest().checkpoint();
    }
  }

  /** The checkpoint of {@code epoch}, loaded and verified. */
  LoadedCheckpoint load(long epoch) throws CheckpointException, IOException {
    try (HadoopCheckpointStore store = store()) {
      return store.load(epoch);
    }
  }

  /**
   * Asserts what a reader of the store sees: only {@code epoch-NNNNNN} directories with a
   * manifest, never a {@code _tmp-*} directory, whatever is on disk; returns the listed epochs.
   */
  List<Long> assertStoreListsOnlyPublishedCheckpoints() throws CheckpointException, IOException {
    try (HadoopCheckpointStore store = store()) {
      List<CheckpointEntry> entries = store.list();
      for (CheckpointEntry e : entries) {
        // a publish is one rename of a complete directory: a listed checkpoint without its manifest was half-published
        assertThat(e.manifest()).as("the manifest of epoch %s listed in %s (%s)", e.epoch(), dir,
            e.manifestProblem().orElse("")).isPresent();
        assertThat(new org.apache.hadoop.fs.Path(e.path()).getName()).isEqualTo(String.format("epoch-%06d",
            e.epoch()));
      }
      return entries.stream().map(CheckpointEntry::epoch).toList();
    }
  }

  /** Asserts that every published checkpoint matches its manifest's sizes and digests. */
  void assertEveryCheckpointVerifies() throws CheckpointException, IOException {
    try (HadoopCheckpointStore store = store()) {
      List<VerificationReport> reports = store.verifyAll();
      assertThat(reports).as("checkpoints of %s", dir).isNotEmpty();
      assertThat(reports).as("verification of the checkpoints of %s", dir).allMatch(VerificationReport::ok);
    }
  }

  private HadoopCheckpointStore store() throws CheckpointException {
    return HadoopCheckpointStore.builder().setJobDir(hadoopPath().toString()).build();
  }

  private org.apache.hadoop.fs.Path hadoopPath() {
    return new org.apache.hadoop.fs.Path("file://" + dir.toAbsolutePath());
  }

  @Override
  public String toString() {
    return "job directory " + dir;
  }
}
