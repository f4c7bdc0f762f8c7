package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reader races the retention of a driver that runs the job: it lists the checkpoints, and before
 * it reads the one it picked, the driver publishes a newer one and deletes it. That checkpoint is
 * gone, not damaged: the reader must neither report it as damaged nor fall back past the newer one.
 */
class DeletedWhileReadTest {

  @TempDir
  Path root;

  private HadoopCheckpointStore writer;
  private HadoopCheckpointStore reader;
  private RetentionOnFirstRead fs;

  @BeforeEach
  void twoCheckpoints() throws IOException {
    String jobDir = root.resolve("job").toUri().toString();
    writer = HadoopCheckpointStore.builder().setJobDir(jobDir).build();
    writer.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    writer.commit(TestCheckpoints.content(2), CommitGuard.NONE);
    fs = new RetentionOnFirstRead(writer, ".safetensors");
    reader = HadoopCheckpointStore.builder().setJobDir(jobDir).localFileSystem(fs).build();
  }

  @AfterEach
  void close() throws IOException {
    reader.close();
    writer.close();
  }

  @Test
  void latestListsAgainWhenTheCheckpointItReadsIsDeletedAndReturnsTheNewerOneUnskipped() throws Exception {
    LatestCheckpoint latest = reader.latest();

    assertThat(fs.fired).as("the driver published epoch 3 and deleted 1 and 2 during the read").isTrue();
    assertThat(latest.checkpoint()).hasValueSatisfying(c -> assertThat(c.epoch()).isEqualTo(3));
    assertThat(latest.skipped()).as("nothing damaged").isEmpty();
  }

  @Test
  void verifyingACheckpointDeletedMeanwhileSaysItWasDeletedNotDamaged() throws Exception {
    CheckpointEntry two = reader.list().get(1);
    assertThat(two.epoch()).isEqualTo(2);

    assertThatThrownBy(() -> reader.verify(two)).isInstanceOf(CheckpointDeletedException.class)
        .hasMessageContaining("checkpoint of epoch 2").hasMessageContaining("deleted while it was being read")
        .hasMessageContaining("not damaged");
    assertThat(reader.verifyAll()).as("the checkpoints there are now").singleElement()
        .satisfies(r -> assertThat(r.ok()).isTrue());
  }

  @Test
  void loadingACheckpointDeletedMeanwhileSaysItWasDeleted() {
    assertThatThrownBy(() -> reader.load(2)).isInstanceOf(CheckpointDeletedException.class);
  }

  @Test
  void aListingWhoseCheckpointsAreDeletedWhileTheirManifestsAreReadListsAgainAndShowsTheNewOne() throws Exception {
    RetentionOnFirstRead onManifest = new RetentionOnFirstRead(writer, "manifest.json");
    try (HadoopCheckpointStore lister = HadoopCheckpointStore.builder()
        .setJobDir(root.resolve("job").toUri().toString()).localFileSystem(onManifest).build()) {
      // epochs 1 and 2 listed; reading 1's manifest, the driver publishes 3 and deletes 1 and 2
      assertThat(lister.list()).extracting(CheckpointEntry::epoch).containsExactly(3L);
    }
    assertThat(onManifest.fired).isTrue();
  }

  @Test
  void aCheckpointThatIsReallyDamagedIsStillReportedAsDamaged() throws Exception {
    java.nio.file.Files.delete(root.resolve("job/checkpoints/epoch-000002/model.safetensors"));
    fs.disarm();

    LatestCheckpoint latest = reader.latest();
    assertThat(latest.checkpoint()).hasValueSatisfying(c -> assertThat(c.epoch()).isEqualTo(1));
    assertThat(latest.skipped()).singleElement().satisfies(p -> assertThat(p.reason())
        .isEqualTo("model.safetensors is missing"));
  }

  /**
   * A local file system on which the first look at a data file of epoch 2 lets the job's driver
   * publish epoch 3 and delete epochs 1 and 2 (retention keeping the last one), as it can between a
   * reader's listing and its reads.
   */
  private static final class RetentionOnFirstRead extends RawLocalFileSystem {
    private final CheckpointStore driver;
    private final String suffix;
    private final AtomicBoolean armed = new AtomicBoolean(true);
    volatile boolean fired;

    /** Runs the driver's retention on the first look at a file of epoch 2 named {@code *suffix}. */
    RetentionOnFirstRead(CheckpointStore driver, String suffix) {
      this.driver = driver;
      this.suffix = suffix;
    }

    void disarm() {
      armed.set(false);
    }

    @Override
    public FileStatus getFileStatus(org.apache.hadoop.fs.Path p) throws IOException {
      maybeRunRetention(p);
      return super.getFileStatus(p);
    }

    @Override
    public org.apache.hadoop.fs.FSDataInputStream open(org.apache.hadoop.fs.Path p, int bufferSize)
        throws IOException {
      maybeRunRetention(p);
      return super.open(p, bufferSize);
    }

    private void maybeRunRetention(org.apache.hadoop.fs.Path p) throws IOException {
      if (p.getName().endsWith(suffix) && p.getParent() != null && p.getParent().getName().startsWith("epoch-00000")
          && !p.getParent().getName().equals("epoch-000003") && armed.compareAndSet(true, false)) {
        driver.commit(TestCheckpoints.content(3), CommitGuard.NONE);
        driver.delete(2);
        driver.delete(1);
        fired = true;
      }
    }
  }
}
