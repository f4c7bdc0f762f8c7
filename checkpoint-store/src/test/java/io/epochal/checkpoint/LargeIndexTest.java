package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the store writes it reads back: an optimizer of many small tensors in small shards has a shard index larger
 * than a manifest may be, and that is no reason to call the checkpoint damaged; a manifest larger than a reader
 * reads is refused before it is published, since every load would skip its checkpoint as damaged.
 */
class LargeIndexTest {

  @TempDir
  Path root;

  @Test
  void aShardIndexLargerThanAManifestMayBeLoadsBackAndIsNotSkippedAsDamaged() throws Exception {
    StateDict.Builder optimizer = StateDict.builder();
    // long names: the index passes 16 MiB at fewer tensors
    String prefix = "transformer.blocks.layer_norm_and_attention.projection.".repeat(4);
    for (int i = 0; i < 75_000; i++) {
      optimizer.put(prefix + i + ".exp_avg", Tensor.scalarFloat(i));
    }
    StateDict model = StateDict.builder().put("w", Tensor.ofFloats(new long[] {2}, 1f, 2f)).build();
    CheckpointContent content = CheckpointContent.builder().setModel(model).optOptimizer(optimizer.build())
        .optProbe(model).setManifest(TestCheckpoints.manifest(1)).build();
    try (HadoopCheckpointStore store = HadoopCheckpointStore.builder().setJobDir(root.resolve("job").toUri()
        .toString()).optShardBytes(64 << 10).build()) {
      CheckpointManifest m = store.commit(content, CommitGuard.NONE);
      assertThat(m.file("optimizer.safetensors.index.json")).hasValueSatisfying(f -> assertThat(f.size())
          .as("more than a manifest may have").isGreaterThan(ManifestReader.MAX_MANIFEST_BYTES));

      LatestCheckpoint latest = store.latest();
      assertThat(latest.skipped()).isEmpty();
      assertThat(latest.checkpoint()).hasValueSatisfying(c -> assertThat(c.optimizer().size()).isEqualTo(75_000));
    }
  }

  @Test
  void aManifestLargerThanAReaderReadsIsRefusedBeforeItIsPublishedAndThePreviousCheckpointStaysLatest()
      throws Exception {
    StateDict model = StateDict.builder().put("w", Tensor.ofFloats(new long[] {2}, 1f, 2f)).build();
    try (HadoopCheckpointStore store = HadoopCheckpointStore.builder().setJobDir(root.resolve("job").toUri()
        .toString()).build()) {
      store.commit(CheckpointContent.builder().setModel(model).optProbe(model)
          .setManifest(TestCheckpoints.manifest(1)).build(), CommitGuard.NONE);
      CheckpointManifest huge = TestCheckpoints.manifest(2).toBuilder().optHyperParameters(
          io.epochal.params.HyperParameters.builder().put("notes", "x".repeat((int) ManifestReader.MAX_MANIFEST_BYTES))
              .build()).build();
      CheckpointContent content = CheckpointContent.builder().setModel(model).optProbe(model).setManifest(huge).build();

      assertThatThrownBy(() -> store.commit(content, CommitGuard.NONE)).isInstanceOf(ManifestTooLargeException.class)
          .hasMessageContaining("its manifest would have ").hasMessageContaining("more than the "
              + ManifestReader.MAX_MANIFEST_BYTES + " a reader reads").hasMessageContaining("nothing was published")
          .hasMessageContaining("Its values (hyperparameters, metrics, schedule and random state) take ")
          .hasMessageNotContaining("epochal.checkpoint.shard-bytes");

      LatestCheckpoint latest = store.latest();
      assertThat(latest.skipped()).isEmpty();
      assertThat(latest.checkpoint()).hasValueSatisfying(c -> assertThat(c.manifest().epoch()).isEqualTo(1));
      assertThat(store.list()).extracting(CheckpointEntry::epoch).containsExactly(1L);
      assertThat(java.nio.file.Files.list(root.resolve("job/checkpoints")).map(p -> p.getFileName().toString()))
          .as("no temporary directory left").containsExactly("epoch-000001");
    }
  }

  @Test
  void aStateSplitIntoMoreShardsThanANameNumbersIsRefusedNamingTheKeyBeforeAnythingIsWritten() throws Exception {
    StateDict.Builder many = StateDict.builder();
    for (int i = 0; i < 100_000; i++) {
      many.put("t" + i, Tensor.ofFloats(new long[] {1}, i));
    }
    StateDict model = many.build();
    try (HadoopCheckpointStore store = HadoopCheckpointStore.builder().setJobDir(root.resolve("shards").toUri()
        .toString()).optShardBytes(4).build()) {
      assertThatThrownBy(() -> store.commit(CheckpointContent.builder().setModel(model).optProbe(model)
          .setManifest(TestCheckpoints.manifest(1)).build(), CommitGuard.NONE))
          .hasMessageContaining("model.safetensors (100000 tensors) would be split into 100000 files")
          .hasMessageContaining("raise epochal.checkpoint.shard-bytes");
      assertThat(store.list()).isEmpty();
      assertThat(java.nio.file.Files.list(root.resolve("shards/checkpoints")).toList()).as("nothing left").isEmpty();
    }
  }
}
