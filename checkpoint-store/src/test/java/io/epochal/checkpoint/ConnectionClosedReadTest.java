package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A NameNode that closes the connection while a manifest is looked up (it restarts) makes Hadoop's IPC client
 * throw an {@link EOFException} saying so: an I/O error to retry, not a damaged checkpoint to move aside.
 */
class ConnectionClosedReadTest {

  @TempDir
  Path root;

  /** A job directory under {@link #root} with the checkpoints of epochs 1 and 2. */
  private String twoCheckpoints() throws Exception {
    String jobDir = root.resolve("job").toUri().toString();
    try (HadoopCheckpointStore writer = HadoopCheckpointStore.builder().setJobDir(jobDir).build()) {
      writer.commit(TestCheckpoints.content(1), CommitGuard.NONE);
      writer.commit(TestCheckpoints.content(2), CommitGuard.NONE);
    }
    return jobDir;
  }

  @Test
  void aConnectionClosedWhileTheNewestManifestIsReadIsAnIoErrorNotDamageAndTheNextReadLoadsIt() throws Exception {
    String jobDir = twoCheckpoints();
    ClosingOnce fs = new ClosingOnce("epoch-000002/manifest.json");
    try (HadoopCheckpointStore reader = HadoopCheckpointStore.builder().setJobDir(jobDir).localFileSystem(fs)
        .build()) {
      assertThatThrownBy(reader::latest).isInstanceOf(CheckpointException.class)
          .isNotInstanceOf(CheckpointCorruptedException.class).hasMessageContaining("End of File Exception between");
      assertThat(fs.fired).isTrue();

      LatestCheckpoint again = reader.latest();
      assertThat(again.checkpoint()).hasValueSatisfying(c -> assertThat(c.epoch()).isEqualTo(2));
      assertThat(again.skipped()).isEmpty();
    }
  }

  @Test
  void aHeaderTooLargeForTheFreeHeapIsNotDamageButAFileThatEndsTooSoonIs() {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path("file:/job/checkpoints/epoch-000002/x.safetensors");
    assertThat(ReadFailures.classify(new RawLocalFileSystem(), 2, p, "x cannot be read", new io.epochal.safetensors.SafetensorsHeapException(
        "x", "indexing it needs about 900 MiB of heap and 100 MiB are free"))).as("read with a larger heap")
        .isNotInstanceOf(CheckpointCorruptedException.class).hasMessageContaining("MiB are free");
    assertThat(ReadFailures.classify(new RawLocalFileSystem(), 2, p, "x cannot be read", new io.epochal.safetensors.SafetensorsFormatException(
        "x", "offsets overlap"))).isInstanceOf(CheckpointCorruptedException.class);
    assertThat(ReadFailures.classify(new RawLocalFileSystem(), 2, p, "x cannot be read", new EOFException("unexpected end of file at 12")))
        .isInstanceOf(CheckpointCorruptedException.class);
  }

  @Test
  void aManifestThereThatCannotBeOpenedOrReadIsAnIoErrorNotAMissingFileAndNothingIsSkipped() throws Exception {
    String jobDir = twoCheckpoints();
    // the local file system's open says "not found" for a file it may not open; its read throws an Error for EIO
    for (IOException failure : List.of(new java.io.FileNotFoundException("manifest.json (Too many open files)"),
        new IOException("Input/output error"))) {
      FailingOpen fs = new FailingOpen("epoch-000002/manifest.json", failure);
      try (HadoopCheckpointStore reader = HadoopCheckpointStore.builder().setJobDir(jobDir).localFileSystem(fs)
          .build()) {
        assertThatThrownBy(reader::latest).isInstanceOf(CheckpointException.class)
            .isNotInstanceOf(CheckpointCorruptedException.class).hasMessageContaining("manifest cannot be read")
            .hasMessageContaining(failure.getMessage());
      }
    }
    // one truly gone is damage, as before
    java.nio.file.Files.delete(root.resolve("job/checkpoints/epoch-000002/manifest.json"));
    try (HadoopCheckpointStore reader = HadoopCheckpointStore.builder().setJobDir(jobDir).build()) {
      LatestCheckpoint latest = reader.latest();
      assertThat(latest.checkpoint()).hasValueSatisfying(c -> assertThat(c.epoch()).isEqualTo(1));
      assertThat(latest.skipped()).singleElement().asString().contains("manifest.json is missing");
    }
  }

  @Test
  void aFileThatEndsTooSoonIsStillDamage() {
    assertThat(ReadFailures.connectionClosed(new EOFException("unexpected end of file at 12"))).isFalse();
    assertThat(ReadFailures.connectionClosed(new EOFException(null))).isFalse();
  }

  /**
   * A local file system whose open of a path ending in {@code suffix} fails with {@code failure} when it is a file not
   * found (as the local open says it of a file it may not open), else as a read of it fails (an {@link
   * org.apache.hadoop.fs.FSError}).
   */
  private static final class FailingOpen extends RawLocalFileSystem {
    private final String suffix;
    private final IOException failure;

    FailingOpen(String suffix, IOException failure) {
      this.suffix = suffix;
      this.failure = failure;
    }

    @Override
    public org.apache.hadoop.fs.FSDataInputStream open(org.apache.hadoop.fs.Path p, int bufferSize)
        throws IOException {
      if (p.toString().endsWith(suffix)) {
        if (failure instanceof java.io.FileNotFoundException) {
          throw failure;
        }
        throw org.apache.hadoop.fs.FsErrors.of(failure);
      }
      return super.open(p, bufferSize);
    }
  }

  /** A local file system whose first look at a path ending in {@code suffix} fails as a closed connection does. */
  private static final class ClosingOnce extends RawLocalFileSystem {
    private final String suffix;
    private final AtomicBoolean armed = new AtomicBoolean(true);
    volatile boolean fired;

    ClosingOnce(String suffix) {
      this.suffix = suffix;
    }

    @Override
    public FileStatus getFileStatus(org.apache.hadoop.fs.Path p) throws IOException {
      if (p.toString().endsWith(suffix) && armed.getAndSet(false)) {
        fired = true;
        throw new EOFException("End of File Exception between local host is: \"driver/127.0.0.1\"; destination "
            + "host is: \"localhost\":8020; : java.io.EOFException; For more details see: "
            + "http://wiki.apache.org/hadoop/EOFException");
      }
      return super.getFileStatus(p);
    }
  }
}
