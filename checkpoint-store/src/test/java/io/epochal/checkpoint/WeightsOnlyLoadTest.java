package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A store opened with {@code optWeightsOnly} (evaluate, predict, export): the model, its moving average and the
 * probe are loaded, the optimizer's files are checked but their tensors not kept, and a damaged optimizer file is
 * still damage.
 */
class WeightsOnlyLoadTest {

  @TempDir
  Path tmp;

  private HadoopCheckpointStore store(boolean weightsOnly, long shardBytes) throws CheckpointException {
    return HadoopCheckpointStore.builder().setJobDir(tmp.resolve("job").toUri().toString())
        .optShardBytes(shardBytes).optWeightsOnly(weightsOnly).build();
  }

  @Test
  void theModelItsAverageAndProbeAreLoadedAndTheOptimizerStateIsNot() throws Exception {
    CheckpointContent c = TestCheckpoints.contentWithEma(1);
    try (HadoopCheckpointStore full = store(false, HadoopCheckpointStore.DEFAULT_SHARD_BYTES)) {
      full.commit(c, CommitGuard.NONE);
      assertThat(full.load(1).hasOptimizer()).isTrue();
    }
    try (HadoopCheckpointStore weights = store(true, HadoopCheckpointStore.DEFAULT_SHARD_BYTES)) {
      for (LoadedCheckpoint loaded : java.util.List.of(weights.load(1), weights.latest().checkpoint().orElseThrow())) {
        assertThat(loaded.model()).isEqualTo(c.model());
        assertThat(loaded.ema()).isEqualTo(c.ema());
        assertThat(loaded.probe()).isEqualTo(c.probe());
        assertThat(loaded.hasOptimizer()).isFalse();
        assertThatThrownBy(loaded::optimizer).isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("optimizer state of checkpoint ").hasMessageContaining("epoch-000001")
            .hasMessageContaining("weights only");
      }
    }
  }

  @Test
  void aDamagedOptimizerFileIsDamageForAWeightsOnlyLoadTooAndLatestFallsBack() throws Exception {
    try (HadoopCheckpointStore full = store(false, HadoopCheckpointStore.DEFAULT_SHARD_BYTES)) {
      full.commit(TestCheckpoints.content(1), CommitGuard.NONE);
      full.commit(TestCheckpoints.content(2), CommitGuard.NONE);
    }
    flipByte(tmp.resolve("job/checkpoints/epoch-000002/optimizer.safetensors"));
    try (HadoopCheckpointStore weights = store(true, HadoopCheckpointStore.DEFAULT_SHARD_BYTES)) {
      assertThatThrownBy(() -> weights.load(2)).isInstanceOf(CheckpointCorruptedException.class)
          .hasMessageContaining("optimizer.safetensors").hasMessageContaining("SHA-256");
      LatestCheckpoint latest = weights.latest();
      assertThat(latest.checkpoint().orElseThrow().epoch()).isEqualTo(1);
      assertThat(latest.skipped()).singleElement().asString().contains("optimizer.safetensors");
    }
  }

  @Test
  void aShardedOptimizerIsCheckedShardByShardAndNotKept() throws Exception {
    CheckpointContent c = TestCheckpoints.content(1, 64 * 1024);
    try (HadoopCheckpointStore full = store(false, 64 * 1024)) {
      full.commit(c, CommitGuard.NONE);
    }
    assertThat(tmp.resolve("job/checkpoints/epoch-000001/optimizer.safetensors.index.json")).exists();
    try (HadoopCheckpointStore weights = store(true, 64 * 1024)) {
      LoadedCheckpoint loaded = weights.load(1);
      assertThat(loaded.model()).isEqualTo(c.model());
      assertThat(loaded.hasOptimizer()).isFalse();
    }
    Path shard;
    try (java.util.stream.Stream<Path> files = Files.list(tmp.resolve("job/checkpoints/epoch-000001"))) {
      shard = files.filter(f -> f.getFileName().toString().matches("optimizer-0+1-of-.*\\.safetensors"))
          .findFirst().orElseThrow();
    }
    flipByte(shard);
    try (HadoopCheckpointStore weights = store(true, 64 * 1024)) {
      assertThatThrownBy(() -> weights.load(1)).isInstanceOf(CheckpointCorruptedException.class)
          .hasMessageContaining(shard.getFileName().toString());
    }
  }

  private static void flipByte(Path file) throws java.io.IOException {
    byte[] bytes = Files.readAllBytes(file);
    bytes[bytes.length - 1] ^= 0x5a;
    Files.write(file, bytes);
  }
}
