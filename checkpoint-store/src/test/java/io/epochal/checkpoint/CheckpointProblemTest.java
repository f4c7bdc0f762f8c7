package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CheckpointProblemTest {

  private static final String DIR = "file:/jobs/a/checkpoints/epoch-000002";

  @Test
  void aFileOfTheCheckpointIsNamedOnceRelativeToItsDirectory() {
    CheckpointProblem p = CheckpointProblem.of(2, DIR, new CheckpointCorruptedException(2, DIR + "/model.safetensors",
        "model.safetensors has 10 bytes but the manifest lists 12 (truncated)"));
    assertThat(p.reason()).isEqualTo("model.safetensors has 10 bytes but the manifest lists 12 (truncated)");
    assertThat(p).hasToString("epoch 2 (file:///jobs/a/checkpoints/epoch-000002): model.safetensors has 10 bytes "
        + "but the manifest lists 12 (truncated)");
  }

  @Test
  void aDetailThatDoesNotNameItsFileIsPrefixedWithTheFileName() {
    CheckpointProblem p = CheckpointProblem.of(2, DIR, new CheckpointCorruptedException(2, DIR + "/manifest.json",
        "manifest is not valid JSON"));
    assertThat(p.reason()).isEqualTo("manifest.json: manifest is not valid JSON");
  }

  @Test
  void aProblemOfTheDirectoryItselfOrElsewhereKeepsItsLocation() {
    assertThat(CheckpointProblem.of(2, DIR, new CheckpointCorruptedException(2, DIR, "no manifest")).reason())
        .isEqualTo("no manifest");
    assertThat(CheckpointProblem.of(2, DIR, new CheckpointCorruptedException(2, "hdfs://nn/other/x", "gone"))
        .reason()).isEqualTo("hdfs://nn/other/x: gone");
  }

  @Test
  void localLocationsAreShownAsFileUrisWithThreeSlashesAndOthersAsTheyAre() {
    assertThat(Locations.text("file:/tmp/a b")).isEqualTo("file:///tmp/a b");
    assertThat(Locations.text("file:///tmp/a")).isEqualTo("file:///tmp/a");
    assertThat(Locations.text("hdfs://nn:8020/jobs")).isEqualTo("hdfs://nn:8020/jobs");
    assertThat(Locations.text("/tmp/a")).isEqualTo("/tmp/a");
    assertThat(Locations.text(null)).isNull();
  }
}
