package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.safetensors.SafetensorsIndex;
import io.epochal.safetensors.SafetensorsReader;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.io.ByteArrayInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Sharded checkpoints (state dicts above the shard size) on every file system; subclasses provide one. */
abstract class AbstractShardedCheckpointStoreTest {

  /** 10 KiB shards: the 5 x 4 KiB weights below go into 3 shards. */
  private static final long SHARD_BYTES = 10 << 10;
  private static final String[] MODEL_SHARDS = {
      "model-00001-of-00003.safetensors", "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors"};

  private static int counter;

  abstract String newJobDir(String name) throws IOException;

  abstract Configuration conf();

  abstract FileSystem fileSystem() throws IOException;

  private String jobDir;
  private HadoopCheckpointStore store;

  @BeforeEach
  void openStore() throws Exception {
    jobDir = newJobDir("sharded-job" + (++counter));
    store = storeWith(OutputStreamDecorator.NONE);
  }

  @AfterEach
  void closeStore() throws Exception {
    store.close();
  }

  private HadoopCheckpointStore storeWith(OutputStreamDecorator decorator) throws CheckpointException {
    return HadoopCheckpointStore.builder().setJobDir(jobDir).optConfiguration(conf())
        .optShardBytes(SHARD_BYTES).optIoThreads(2).optOutputDecorator(decorator).build();
  }

  /** Five 4 KiB weights and a scalar, values depending on the epoch; the optimizer mirrors them. */
  static CheckpointContent content(long epoch) {
    StateDict.Builder model = StateDict.builder();
    StateDict.Builder optimizer = StateDict.builder();
    for (int i = 0; i < 5; i++) {
      model.put("net." + i + ".weight", Tensor.ofFloats(new long[] {32, 32}, TestCheckpoints.floats(epoch * 10 + i, 1024)));
      optimizer.put("net." + i + ".weight.exp_avg",
          Tensor.ofFloats(new long[] {32, 32}, TestCheckpoints.floats(epoch * 10 + i + 5, 1024)));
    }
    model.put("bn.num_batches_tracked", Tensor.scalarLong(epoch));
    StateDict probe = StateDict.builder().put("input", Tensor.ofFloats(new long[] {2}, 1f, 2f)).build();
    return CheckpointContent.builder().setModel(model.build()).optOptimizer(optimizer.build()).optProbe(probe)
        .setManifest(TestCheckpoints.manifest(epoch)).build();
  }

  private Path epochDir(long epoch) {
    return new Path(store.checkpointsDir(), CheckpointLayout.epochName(epoch));
  }

  private byte[] readAll(Path p) throws IOException {
    try (FSDataInputStream in = fileSystem().open(p)) {
      return in.readAllBytes();
    }
  }

  private void overwrite(Path p, byte[] bytes) throws IOException {
    try (FSDataOutputStream out = fileSystem().create(p, true)) {
      out.write(bytes);
    }
  }

  private static String sha256(byte[] bytes) throws Exception {
    return Sha256.hex(Sha256.newDigest().digest(bytes));
  }

  @Test
  void stateAboveTheShardSizeIsWrittenAsShardsWithAnIndexAndLoadsBack() throws Exception {
    CheckpointContent c = content(1);
    CheckpointManifest m = store.commit(c, CommitGuard.NONE);

    assertThat(m.files()).extracting(ManifestFile::name).containsExactly(
        "model.safetensors.index.json", MODEL_SHARDS[0], MODEL_SHARDS[1], MODEL_SHARDS[2],
        "optimizer.safetensors.index.json", "optimizer-00001-of-00003.safetensors",
        "optimizer-00002-of-00003.safetensors", "optimizer-00003-of-00003.safetensors", "probe.safetensors");
    for (ManifestFile f : m.files()) {
      byte[] bytes = readAll(new Path(epochDir(1), f.name()));
      assertThat(bytes).as(f.name()).hasSize((int) f.size());
      assertThat(sha256(bytes)).as(f.name()).isEqualTo(f.sha256());
    }
    SafetensorsIndex index = SafetensorsIndex.parse(readAll(new Path(epochDir(1), "model.safetensors.index.json")), "index");
    assertThat(index.totalSize()).isEqualTo(c.model().totalBytes());
    assertThat(index.weightMap().keySet()).containsExactlyElementsOf(c.model().names());
    assertThat(index.shardFiles()).containsExactly(MODEL_SHARDS);
    for (String shard : MODEL_SHARDS) {
      byte[] bytes = readAll(new Path(epochDir(1), shard));
      StateDict held = SafetensorsReader.read(new ByteArrayInputStream(bytes), bytes.length, shard).tensors();
      assertThat(held.nameList()).isEqualTo(index.tensorsOf(shard));
      assertThat(held.totalBytes()).isLessThanOrEqualTo(SHARD_BYTES);
    }

    LoadedCheckpoint loaded = store.load(1);
    assertThat(loaded.model()).isEqualTo(c.model());
    assertThat(loaded.optimizer()).isEqualTo(c.optimizer());
    assertThat(loaded.probe()).isEqualTo(c.probe());
    assertThat(loaded.manifest()).isEqualTo(m);
    assertThat(store.verify(1).ok()).isTrue();
  }

  @Test
  void emaAboveTheShardSizeIsShardedLikeTheModelAndLoadsBack() throws Exception {
    CheckpointContent c = TestCheckpoints.withEma(content(1), content(101).model());
    CheckpointManifest m = store.commit(c, CommitGuard.NONE);

    assertThat(m.files()).extracting(ManifestFile::name).endsWith("probe.safetensors",
        "ema.safetensors.index.json", "ema-00001-of-00003.safetensors", "ema-00002-of-00003.safetensors",
        "ema-00003-of-00003.safetensors").doesNotContain(CheckpointStore.EMA_FILE);
    Path indexPath = new Path(epochDir(1), "ema.safetensors.index.json");
    SafetensorsIndex index = SafetensorsIndex.parse(readAll(indexPath), indexPath.toString());
    assertThat(index.weightMap().keySet()).containsExactlyElementsOf(c.model().names());
    LoadedCheckpoint loaded = store.load(1);
    assertThat(loaded.ema()).isEqualTo(c.ema());
    assertThat(loaded.model()).isEqualTo(c.model());
    assertThat(store.verify(1).ok()).isTrue();
  }

  @Test
  void manifestListingBothTheEmaFileAndItsIndexIsDamage() throws Exception {
    store.commit(TestCheckpoints.withEma(content(1), content(101).model()), CommitGuard.NONE);
    store.commit(TestCheckpoints.withEma(content(2), content(102).model()), CommitGuard.NONE);
    Path manifestPath = new Path(epochDir(2), CheckpointManifest.FILE_NAME);
    CheckpointManifest m = CheckpointManifest.parse(readAll(manifestPath), manifestPath.toString());
    ManifestFile shard = m.file("ema-00001-of-00003.safetensors").orElseThrow();
    overwrite(manifestPath, m.toBuilder().addFile(new ManifestFile(CheckpointStore.EMA_FILE, shard.size(),
        shard.sha256())).build().toJson());

    LatestCheckpoint latest = store.latest();
    assertThat(latest.checkpoint().orElseThrow().epoch()).isEqualTo(1);
    assertThat(latest.checkpoint().orElseThrow().ema()).isEqualTo(content(101).model());
    assertThat(latest.skipped()).singleElement().satisfies(p -> assertThat(p.reason()).contains(
        "manifest lists both ema.safetensors and ema.safetensors.index.json; it may list at most one of them"));
  }

  @Test
  void corruptedShardMakesLatestFallBackToThePreviousCheckpoint() throws Exception {
    store.commit(content(1), CommitGuard.NONE);
    store.commit(content(2), CommitGuard.NONE);
    Path shard = new Path(epochDir(2), MODEL_SHARDS[1]);
    byte[] b = readAll(shard);
    b[b.length - 10] ^= 0x01;
    overwrite(shard, b);

    LatestCheckpoint latest = store.latest();
    assertThat(latest.checkpoint().orElseThrow().epoch()).isEqualTo(1);
    assertThat(latest.checkpoint().orElseThrow().model()).isEqualTo(content(1).model());
    assertThat(latest.skipped()).singleElement().satisfies(p -> {
      assertThat(p.toString()).startsWith("epoch 2 (").contains("epoch-000002");
      // the file named once, within its checkpoint
      assertThat(p.reason()).startsWith(MODEL_SHARDS[1] + " has SHA-256").contains("content changed or damaged")
          .doesNotContain("epoch-000002");
    });
    assertThat(store.verify(2).problems()).singleElement().asString().contains(MODEL_SHARDS[1]);
  }

  @Test
  void missingIndexMakesLatestFallBackToThePreviousCheckpoint() throws Exception {
    store.commit(content(1), CommitGuard.NONE);
    store.commit(content(2), CommitGuard.NONE);
    assertThat(fileSystem().delete(new Path(epochDir(2), "optimizer.safetensors.index.json"), false)).isTrue();

    LatestCheckpoint latest = store.latest();
    assertThat(latest.checkpoint().orElseThrow().epoch()).isEqualTo(1);
    assertThat(latest.checkpoint().orElseThrow().optimizer()).isEqualTo(content(1).optimizer());
    assertThat(latest.skipped()).singleElement().satisfies(p -> {
      assertThat(p.toString()).startsWith("epoch 2 (");
      assertThat(p.reason()).contains("optimizer.safetensors.index.json is missing").doesNotContain("epoch-000002");
    });
  }

  @Test
  void weightMapNamingATensorItsShardDoesNotHoldMakesLatestFallBack() throws Exception {
    store.commit(content(1), CommitGuard.NONE);
    store.commit(content(2), CommitGuard.NONE);
    // a consistent-looking index (the manifest lists its new size and digest) that names a tensor no shard holds
    Path indexPath = new Path(epochDir(2), "model.safetensors.index.json");
    SafetensorsIndex index = SafetensorsIndex.parse(readAll(indexPath), "index");
    Map<String, String> weights = new LinkedHashMap<>(index.weightMap());
    weights.put("net.9.weight", MODEL_SHARDS[0]);
    forgeModelIndexOfEpoch2(new SafetensorsIndex(index.totalSize() + 4096, weights).toJson());

    LatestCheckpoint latest = store.latest();
    assertThat(latest.checkpoint().orElseThrow().epoch()).isEqualTo(1);
    assertThat(latest.skipped()).singleElement().satisfies(p -> assertThat(p.toString()).contains("epoch 2")
        .contains("puts tensor 'net.9.weight' in " + MODEL_SHARDS[0] + ", which does not hold it"));
    assertThatThrownBy(() -> store.load(2)).isInstanceOf(CheckpointCorruptedException.class)
        .hasMessageContaining("model.safetensors.index.json");
  }

  /** Overwrites epoch 2's model index with {@code forged} and reseals the manifest listing its size and digest. */
  private void forgeModelIndexOfEpoch2(byte[] forged) throws Exception {
    Path indexPath = new Path(epochDir(2), "model.safetensors.index.json");
    overwrite(indexPath, forged);
    Path manifestPath = new Path(epochDir(2), CheckpointManifest.FILE_NAME);
    CheckpointManifest m = CheckpointManifest.parse(readAll(manifestPath), manifestPath.toString());
    List<ManifestFile> files = m.files().stream()
        .map(f -> f.name().equals(indexPath.getName()) ? new ManifestFile(f.name(), forged.length, sha256Unchecked(forged)) : f)
        .collect(Collectors.toList());
    overwrite(manifestPath, m.withFiles(files).toJson());
    assertThat(store.verify(2).ok()).as("sizes and digests match").isTrue();
  }

  @Test
  void indexWhoseTotalSizeDiffersFromItsShardsMakesLatestFallBackNamingTheIndex() throws Exception {
    store.commit(content(1), CommitGuard.NONE);
    store.commit(content(2), CommitGuard.NONE);
    SafetensorsIndex index = SafetensorsIndex.parse(readAll(new Path(epochDir(2), "model.safetensors.index.json")), "index");
    long held = index.totalSize();
    forgeModelIndexOfEpoch2(new SafetensorsIndex(held + 1, index.weightMap()).toJson());

    LatestCheckpoint latest = store.latest();
    assertThat(latest.checkpoint().orElseThrow().epoch()).isEqualTo(1);
    assertThat(latest.skipped()).singleElement().satisfies(p -> assertThat(p.toString()).contains("epoch 2")
        .contains("model.safetensors.index.json lists total_size " + (held + 1) + " but its shards hold " + held));
    assertThatThrownBy(() -> store.load(2)).isInstanceOf(CheckpointCorruptedException.class)
        .hasMessageContaining("model.safetensors.index.json").hasMessageContaining("total_size");

    // an index of its own without total_size (another tool's may leave it out): not what the store wrote
    forgeModelIndexOfEpoch2(("{\"metadata\":{},\"weight_map\":" + new com.fasterxml.jackson.databind.ObjectMapper()
        .writeValueAsString(index.weightMap()) + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(store.latest().skipped()).singleElement().satisfies(p -> assertThat(p.toString())
        .contains("model.safetensors.index.json lists no total_size"));
  }

  @Test
  void shardHoldingATensorTheWeightMapLeavesOutMakesLatestFallBackNamingTheIndex() throws Exception {
    store.commit(content(1), CommitGuard.NONE);
    store.commit(content(2), CommitGuard.NONE);
    // the index drops one tensor and its bytes from total_size: consistent in itself, but a shard still holds it
    SafetensorsIndex index = SafetensorsIndex.parse(readAll(new Path(epochDir(2), "model.safetensors.index.json")), "index");
    Map<String, String> weights = new LinkedHashMap<>(index.weightMap());
    String shard = weights.remove("bn.num_batches_tracked");
    assertThat(shard).isNotNull();
    long dropped = content(2).model().require("bn.num_batches_tracked").byteSize();
    forgeModelIndexOfEpoch2(new SafetensorsIndex(index.totalSize() - dropped, weights).toJson());

    LatestCheckpoint latest = store.latest();
    assertThat(latest.checkpoint().orElseThrow().epoch()).isEqualTo(1);
    assertThat(latest.skipped()).singleElement().satisfies(p -> assertThat(p.toString()).contains("epoch 2")
        .contains(shard + " holds tensor 'bn.num_batches_tracked', which the weight_map of "
            + "model.safetensors.index.json does not put there"));
    assertThatThrownBy(() -> store.load(2)).isInstanceOf(CheckpointCorruptedException.class)
        .hasMessageContaining("model.safetensors.index.json");
  }

  @Test
  void indexChangedWithoutChangingItsSizeOrMeaningFailsTheLoadOnItsSha256() throws Exception {
    store.commit(content(1), CommitGuard.NONE);
    store.commit(content(2), CommitGuard.NONE);
    // the compact index holds no whitespace to turn into a tab: its two top-level keys swap places
    // instead, which keeps every byte count and the parsed index, and changes the bytes
    Path indexPath = new Path(epochDir(2), "model.safetensors.index.json");
    byte[] original = readAll(indexPath);
    String json = new String(original, java.nio.charset.StandardCharsets.UTF_8);
    int split = json.indexOf(",\"weight_map\":");
    assertThat(json).startsWith("{\"metadata\":");
    assertThat(split).isPositive();
    byte[] changed = ("{" + json.substring(split + 1, json.length() - 1) + "," + json.substring(1, split) + "}")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    assertThat(changed).hasSameSizeAs(original).isNotEqualTo(original);
    assertThat(SafetensorsIndex.parse(changed, "changed")).isEqualTo(SafetensorsIndex.parse(original, "original"));
    overwrite(indexPath, changed); // the manifest is left as it was

    assertThatThrownBy(() -> store.load(2)).isInstanceOf(CheckpointCorruptedException.class)
        .hasMessageContaining("model.safetensors.index.json has SHA-256 " + sha256(changed))
        .hasMessageContaining("content changed or damaged");
    assertThat(store.latest().checkpoint().orElseThrow().epoch()).isEqualTo(1);
  }

  private static String sha256Unchecked(byte[] bytes) {
    try {
      return sha256(bytes);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void shardWriteFailingMidwayLeavesNoVisibleCheckpoint() throws Exception {
    store.commit(content(1), CommitGuard.NONE);
    OutputStreamDecorator failing = (name, out) -> !name.equals(MODEL_SHARDS[1]) ? out : new FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        throw new IOException("disk failed inside " + name);
      }
    };
    try (HadoopCheckpointStore failingStore = storeWith(failing)) {
      assertThatThrownBy(() -> failingStore.commit(content(2), CommitGuard.NONE))
          .isInstanceOf(CheckpointException.class)
          .hasMessageContaining("epoch 2").hasMessageContaining("disk failed inside " + MODEL_SHARDS[1]);
    }
    assertThat(Arrays.stream(fileSystem().listStatus(new Path(store.checkpointsDir())))
        .map(s -> s.getPath().getName())).containsExactly("epoch-000001");
    assertThat(store.latest().checkpoint().orElseThrow().epoch()).isEqualTo(1);
  }

  @Test
  void withAWriteThreadPerFileEveryDataFileOfACommitIsWrittenAtTheSameTime() throws Exception {
    int dataFiles = 9; // two indexes, 3 + 3 shards, the probe
    CyclicBarrier allWriting = new CyclicBarrier(dataFiles);
    OutputStreamDecorator meeting = (name, out) -> name.equals(CheckpointManifest.FILE_NAME) ? out
        : new FilterOutputStream(out) {
          private boolean met;

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            if (!met) {
              met = true;
              try {
                allWriting.await(120, TimeUnit.SECONDS); // times out unless every data file is being written
              } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
                throw new IOException(name + " was not written together with the other data files: " + e, e);
              }
            }
            out.write(b, off, len);
          }
        };
    try (HadoopCheckpointStore parallel = HadoopCheckpointStore.builder().setJobDir(jobDir).optConfiguration(conf())
        .optShardBytes(SHARD_BYTES).optIoThreads(1).optWriteThreads(dataFiles).optOutputDecorator(meeting).build()) {
      assertThat(parallel.commit(content(1), CommitGuard.NONE).files()).hasSize(dataFiles);
    }
    assertThat(store.load(1).model()).isEqualTo(content(1).model());
  }

  @Test
  void stateAtTheShardSizeStaysOneFile() throws Exception {
    StateDict model = StateDict.builder()
        .put("w", Tensor.ofFloats(new long[] {(int) SHARD_BYTES / 4}, new float[(int) SHARD_BYTES / 4])).build();
    CheckpointContent c = CheckpointContent.builder().setModel(model).setManifest(TestCheckpoints.manifest(3)).build();
    assertThat(store.commit(c, CommitGuard.NONE).files()).extracting(ManifestFile::name)
        .containsExactly("model.safetensors", "optimizer.safetensors", "probe.safetensors");
    assertThat(store.load(3).model()).isEqualTo(model);
  }

  @Test
  void largeLoadedTensorsLiveOffHeapUnlessDisabled() throws Exception {
    int floats = HadoopCheckpointStore.DEFAULT_OFF_HEAP_TENSOR_BYTES / 4;
    StateDict model = StateDict.builder()
        .put("big", Tensor.ofFloats(new long[] {floats}, TestCheckpoints.floats(5, floats)))
        .put("small", Tensor.ofFloats(new long[] {4}, 1f, 2f, 3f, 4f)).build();
    CheckpointContent c = CheckpointContent.builder().setModel(model).setManifest(TestCheckpoints.manifest(4)).build();
    store.commit(c, CommitGuard.NONE);
    StateDict loaded = store.load(4).model();
    assertThat(loaded).isEqualTo(model);
    assertThat(loaded.require("big").data().isDirect()).isTrue();
    assertThat(loaded.require("small").data().isDirect()).isFalse();
    try (HadoopCheckpointStore onHeap = HadoopCheckpointStore.builder().setJobDir(jobDir).optConfiguration(conf())
        .optOffHeapTensorBytes(-1).build()) {
      StateDict heap = onHeap.load(4).model();
      assertThat(heap).isEqualTo(model);
      assertThat(heap.require("big").data().isDirect()).isFalse();
    }
  }
}
