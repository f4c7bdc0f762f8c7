package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.ManifestFile;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How {@code inspect} names the file(s) a state was read from, as the manifest lists them. */
class InspectStateFilesTest {

  private static final String DIGEST = "0".repeat(64);

  private static CheckpointManifest listing(String... files) {
    CheckpointManifest m = CheckpointManifest.builder().setJobId("j").setEpoch(1).setModel("mlp", "1").build();
    return m.withFiles(java.util.Arrays.stream(files).map(f -> new ManifestFile(f, 8, DIGEST)).toList());
  }

  @Test
  void aStateInOneFileIsNamedByThatFile() {
    CheckpointManifest m = listing("model.safetensors", "optimizer.safetensors", "probe.safetensors");
    assertThat(CheckpointInspector.stateFiles("model", m)).isEqualTo("model.safetensors");
    assertThat(CheckpointInspector.stateFiles("optimizer", m)).isEqualTo("optimizer.safetensors");
  }

  @Test
  void aShardedStateIsNamedByItsIndexAndItsShardCount() {
    CheckpointManifest m = listing("model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors",
        "model.safetensors.index.json", "optimizer.safetensors", "probe.safetensors");
    assertThat(CheckpointInspector.stateFiles("model", m)).isEqualTo("model.safetensors.index.json (2 shards)");
    assertThat(CheckpointInspector.stateFiles("optimizer", m)).isEqualTo("optimizer.safetensors");
    assertThat(List.of(CheckpointInspector.stateFiles("probe", m))).containsExactly("probe.safetensors");
  }
}
