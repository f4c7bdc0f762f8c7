package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store of the {@link CheckpointSeries#STEPS} series: checkpoints taken inside an epoch, keyed by their
 * global step in {@code <job-dir>/mid-epoch/step-NNNNNNNNN}, with the epoch series' commit, verification
 * and fallback, and invisible to the store of whole epochs.
 */
class MidEpochSeriesTest {

  @TempDir
  Path tmp;

  private HadoopCheckpointStore store(CheckpointSeries series) throws CheckpointException {
    return HadoopCheckpointStore.builder().setJobDir(tmp.resolve("job").toUri().toString()).optSeries(series).build();
  }

  /** Content of the epochs completed, {@code completed}, at global step {@code step}. */
  private static CheckpointContent at(long completed, long step) {
    CheckpointContent c = TestCheckpoints.content(step);
    return CheckpointContent.builder().setModel(c.model()).optOptimizer(c.optimizer()).optProbe(c.probe())
        .setManifest(TestCheckpoints.manifest(completed).toBuilder().optGlobalStep(step).build()).build();
  }

  @Test
  void midEpochCheckpointsAreKeyedByTheirGlobalStepAndTheNewestVerifiedOneIsLatest() throws Exception {
    try (HadoopCheckpointStore steps = store(CheckpointSeries.STEPS)) {
      steps.commit(at(1, 120), CommitGuard.NONE);
      steps.commit(at(1, 135), CommitGuard.NONE);
      assertThat(tmp.resolve("job/mid-epoch/step-000000120/manifest.json")).exists();
      assertThat(steps.checkpointsDir()).endsWith("/job/mid-epoch");
      assertThat(steps.list()).extracting(CheckpointEntry::epoch).containsExactly(120L, 135L);
      LoadedCheckpoint latest = steps.latest().checkpoint().orElseThrow();
      assertThat(latest.manifest().globalStep()).isEqualTo(135);
      assertThat(latest.manifest().epoch()).isEqualTo(1);
      assertThat(latest.model()).isEqualTo(at(1, 135).model());
      assertThatThrownBy(() -> steps.commit(at(1, 135), CommitGuard.NONE))
          .isInstanceOf(CheckpointExistsException.class).hasMessageContaining("step-000000135");
    }
    try (HadoopCheckpointStore epochs = store(CheckpointSeries.EPOCHS)) {
      assertThat(epochs.list()).isEmpty();
      assertThat(epochs.latest().checkpoint()).isEmpty();
    }
  }

  @Test
  void aDamagedNewestMidEpochCheckpointFallsBackToTheOneBeforeAndIsNamedByItsStep() throws Exception {
    try (HadoopCheckpointStore steps = store(CheckpointSeries.STEPS)) {
      steps.commit(at(2, 210), CommitGuard.NONE);
      steps.commit(at(2, 230), CommitGuard.NONE);
      Path model = tmp.resolve("job/mid-epoch/step-000000230/model.safetensors");
      byte[] bytes = Files.readAllBytes(model);
      bytes[bytes.length - 1] ^= 1;
      Files.write(model, bytes, StandardOpenOption.TRUNCATE_EXISTING);
      LatestCheckpoint latest = steps.latest();
      assertThat(latest.checkpoint().orElseThrow().manifest().globalStep()).isEqualTo(210);
      assertThat(latest.skipped()).singleElement().satisfies(p -> {
        assertThat(p.epoch()).isEqualTo(230);
        assertThat(p.reason()).contains("model.safetensors");
        assertThat(p).asString().as("named by its step").startsWith("step 230 (");
      });
      assertThatThrownBy(() -> steps.load(230)).isInstanceOf(CheckpointCorruptedException.class)
          .hasMessageStartingWith("mid-epoch checkpoint of step 230");
      CheckpointEntry moved = steps.moveAside(230);
      assertThat(Path.of(java.net.URI.create(moved.path())).getFileName().toString()).startsWith("_damaged-step-");
      assertThat(moved.isMovedAside()).isTrue();
      assertThat(steps.listMovedAside()).extracting(CheckpointEntry::epoch).containsExactly(230L);
      assertThat(steps.delete(210)).isTrue();
      assertThat(steps.list()).isEmpty();
    }
  }

  @Test
  void aManifestWhoseStepIsNotItsDirectorysIsDamage() throws Exception {
    try (HadoopCheckpointStore steps = store(CheckpointSeries.STEPS)) {
      steps.commit(at(1, 120), CommitGuard.NONE);
    }
    Files.move(tmp.resolve("job/mid-epoch/step-000000120"), tmp.resolve("job/mid-epoch/step-000000121"));
    try (HadoopCheckpointStore steps = store(CheckpointSeries.STEPS)) {
      assertThat(steps.latest().skipped()).singleElement().asString()
          .contains("manifest is of step 120, but its directory is of step 121");
    }
  }

  @Test
  void seriesNamesAndParsesOnlyItsOwnDirectories() {
    assertThat(CheckpointSeries.STEPS.name(1234)).isEqualTo("step-000001234");
    assertThat(CheckpointSeries.EPOCHS.name(7)).isEqualTo("epoch-000007");
    assertThat(CheckpointSeries.STEPS.parse("step-000001234")).hasValue(1234);
    assertThat(CheckpointSeries.STEPS.parse("epoch-000007")).isEmpty();
    assertThat(CheckpointSeries.EPOCHS.parse("step-000001234")).isEmpty();
    assertThat(CheckpointSeries.STEPS.parse("_tmp-step-000001234-x")).isEmpty();
    assertThatThrownBy(() -> CheckpointSeries.STEPS.name(-1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("step must be >= 0, got -1");
    assertThat(CheckpointSeries.EPOCHS.parse("epoch-1234567")).hasValue(1234567);
    assertThat(CheckpointSeries.EPOCHS.parse("epoch-0000007")).as("a digit too many: not the name of epoch 7")
        .isEmpty();
    assertThat(CheckpointSeries.STEPS.parse("step-0000000012")).isEmpty();
  }

  @Test
  void aPathsSeriesIsTheDeepestSeriesDirectoryInIt() {
    assertThat(CheckpointSeries.of("hdfs://nn/teams/mid-epoch/job1/checkpoints/epoch-000003"))
        .isEqualTo(CheckpointSeries.EPOCHS);
    assertThat(CheckpointSeries.of("file:/data/mid-epoch/job1/checkpoints/epoch-000003/model.safetensors"))
        .isEqualTo(CheckpointSeries.EPOCHS);
    assertThat(CheckpointSeries.of("hdfs://nn/teams/checkpoints/job1/mid-epoch/step-000000012"))
        .isEqualTo(CheckpointSeries.STEPS);
    assertThat(CheckpointSeries.of("hdfs://nn/job1/mid-epoch/step-000000012/model.safetensors"))
        .isEqualTo(CheckpointSeries.STEPS);
    assertThat(CheckpointSeries.of("hdfs://nn/job1/checkpoints/epoch-000001")).isEqualTo(CheckpointSeries.EPOCHS);
  }

  @Test
  void aDamagedEpochOfAJobInAFolderNamedMidEpochIsNamedAsAnEpoch() throws Exception {
    Path jobDir = tmp.resolve("mid-epoch").resolve("job");
    try (HadoopCheckpointStore epochs = HadoopCheckpointStore.builder().setJobDir(jobDir.toUri().toString()).build()) {
      epochs.commit(TestCheckpoints.content(1), CommitGuard.NONE);
      epochs.commit(TestCheckpoints.content(2), CommitGuard.NONE);
    }
    Files.writeString(jobDir.resolve("checkpoints/epoch-000002/model.safetensors"), "garbage",
        StandardOpenOption.TRUNCATE_EXISTING);
    try (HadoopCheckpointStore epochs = HadoopCheckpointStore.builder().setJobDir(jobDir.toUri().toString()).build()) {
      LatestCheckpoint latest = epochs.latest();
      assertThat(latest.checkpoint()).get().extracting(LoadedCheckpoint::epoch).isEqualTo(1L);
      assertThat(latest.skipped()).singleElement().asString().startsWith("epoch 2 (").doesNotContain("step 2");
    }
  }

  @Test
  void aDirectoryNamedWithADigitTooManyIsNoCheckpoint() throws Exception {
    try (HadoopCheckpointStore epochs = store(CheckpointSeries.EPOCHS)) {
      epochs.commit(TestCheckpoints.content(6), CommitGuard.NONE);
    }
    Path checkpoints = tmp.resolve("job/checkpoints");
    Files.createDirectories(checkpoints.resolve("epoch-0000007"));
    Files.copy(checkpoints.resolve("epoch-000006/manifest.json"), checkpoints.resolve("epoch-0000007/manifest.json"));
    try (HadoopCheckpointStore epochs = store(CheckpointSeries.EPOCHS)) {
      assertThat(epochs.latest().checkpoint()).get().extracting(LoadedCheckpoint::epoch).isEqualTo(6L);
      assertThat(epochs.list()).extracting(CheckpointEntry::epoch).containsExactly(6L);
    }
  }
}
