package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreOptionsTest {

  private static final String DIR = "hdfs://nn:8020/jobs/a";

  @TempDir Path tmp;

  private static Configuration conf(String... keyValues) {
    Configuration conf = new Configuration();
    for (int i = 0; i < keyValues.length; i += 2) {
      conf.set(keyValues[i], keyValues[i + 1]);
    }
    return conf;
  }

  private static StoreOptions.Settings resolve(HadoopCheckpointStore.Builder b, Configuration conf) {
    return StoreOptions.resolve(b, conf, DIR);
  }

  @Test
  void withoutKeysOrOptionsTheDefaultsApply() throws Exception {
    StoreOptions.Settings s = resolve(HadoopCheckpointStore.builder(), conf());
    int cores = Runtime.getRuntime().availableProcessors();
    assertThat(s.ioThreads).isEqualTo(Math.max(1, Math.min(4, cores)));
    assertThat(s.writeThreads).isEqualTo(Math.max(s.ioThreads, 8));
    assertThat(s.shardBytes).isEqualTo(HadoopCheckpointStore.DEFAULT_SHARD_BYTES).isEqualTo(64L << 20);
    assertThat(s.syncBehindBytes).isEqualTo(HadoopCheckpointStore.DEFAULT_SYNC_BEHIND_BYTES).isEqualTo(8L << 20);
    assertThat(s.offHeapTensorBytes).isEqualTo(HadoopCheckpointStore.DEFAULT_OFF_HEAP_TENSOR_BYTES);
  }

  @Test
  void writeThreadsDefaultToEightOrTheIoThreadsIfMore() throws Exception {
    HadoopCheckpointStore.Builder b = HadoopCheckpointStore.builder().optIoThreads(3);
    assertThat(resolve(b, conf()).writeThreads).isEqualTo(HadoopCheckpointStore.DEFAULT_WRITE_THREADS).isEqualTo(8);
    assertThat(resolve(b.optIoThreads(12), conf()).writeThreads).isEqualTo(12);
    b.optWriteThreads(5);
    assertThat(resolve(b, conf()).writeThreads).isEqualTo(5);
    assertThatThrownBy(() -> b.optWriteThreads(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("writeThreads must be >= 1, got 0");
  }

  @Test
  void keysInTheConfigurationSetWhatTheBuilderLeavesUnsetWithHadoopSizeSuffixes() throws Exception {
    Configuration conf = conf(StoreOptions.SHARD_BYTES, "32m", StoreOptions.IO_THREADS, "3",
        StoreOptions.WRITE_THREADS, "6", StoreOptions.SYNC_BEHIND_BYTES, "4m", StoreOptions.OFF_HEAP_TENSOR_BYTES, "-1");
    StoreOptions.Settings s = resolve(HadoopCheckpointStore.builder(), conf);
    assertThat(s.shardBytes).isEqualTo(32L << 20);
    assertThat(s.ioThreads).isEqualTo(3);
    assertThat(s.writeThreads).isEqualTo(6);
    assertThat(s.syncBehindBytes).isEqualTo(4L << 20);
    assertThat(s.offHeapTensorBytes).isEqualTo(-1);
  }

  @Test
  void theWriteThreadsDefaultFollowsTheIoThreadsKey() throws Exception {
    assertThat(resolve(HadoopCheckpointStore.builder(), conf(StoreOptions.IO_THREADS, "5")).writeThreads)
        .isEqualTo(8);
    assertThat(resolve(HadoopCheckpointStore.builder(), conf(StoreOptions.IO_THREADS, "12")).writeThreads)
        .isEqualTo(12);
  }

  @Test
  void aValueSetOnTheBuilderWinsOverItsKey() throws Exception {
    Configuration conf = conf(StoreOptions.SHARD_BYTES, "32m", StoreOptions.IO_THREADS, "3",
        StoreOptions.WRITE_THREADS, "6", StoreOptions.SYNC_BEHIND_BYTES, "4m", StoreOptions.OFF_HEAP_TENSOR_BYTES, "-1");
    HadoopCheckpointStore.Builder b = HadoopCheckpointStore.builder().optShardBytes(1 << 20).optIoThreads(1)
        .optWriteThreads(2).optSyncBehindBytes(0).optOffHeapTensorBytes(1024);
    StoreOptions.Settings s = resolve(b, conf);
    assertThat(s.shardBytes).isEqualTo(1 << 20);
    assertThat(s.ioThreads).isEqualTo(1);
    assertThat(s.writeThreads).isEqualTo(2);
    assertThat(s.syncBehindBytes).isZero();
    assertThat(s.offHeapTensorBytes).isEqualTo(1024);
  }

  @Test
  void anInvalidValueNamesItsKeyTheValueAndTheSparkSpelling() {
    assertThatThrownBy(() -> resolve(HadoopCheckpointStore.builder(), conf(StoreOptions.WRITE_THREADS, "0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(DIR)
        .hasMessageContaining("Hadoop configuration key epochal.checkpoint.write-threads must be at least 1, got '0'")
        .hasMessageContaining("spark.hadoop.epochal.checkpoint.write-threads");
    assertThatThrownBy(() -> resolve(HadoopCheckpointStore.builder(), conf(StoreOptions.SHARD_BYTES, "lots")))
        .hasMessageContaining("epochal.checkpoint.shard-bytes is not a number of bytes (e.g. 64m, 1g), got 'lots'");
    assertThatThrownBy(() -> resolve(HadoopCheckpointStore.builder(), conf(StoreOptions.SHARD_BYTES, "0")))
        .hasMessageContaining("epochal.checkpoint.shard-bytes must be at least 1, got '0'");
    assertThatThrownBy(() -> resolve(HadoopCheckpointStore.builder(), conf(StoreOptions.SYNC_BEHIND_BYTES, "-1")))
        .hasMessageContaining("epochal.checkpoint.sync-behind-bytes must be at least 0, got '-1'");
    assertThatThrownBy(() -> resolve(HadoopCheckpointStore.builder(), conf(StoreOptions.IO_THREADS, "3g")))
        .hasMessageContaining("epochal.checkpoint.io-threads must be at most 2147483647, got '3g'");
  }

  @Test
  void aMisspelledKeyUnderTheStoresPrefixIsRefusedWithTheNearestKey() {
    assertThatThrownBy(() -> resolve(HadoopCheckpointStore.builder(), conf("epochal.checkpoint.io-thread", "3")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("epochal.checkpoint.io-thread is not a checkpoint store key")
        .hasMessageContaining("did you mean epochal.checkpoint.io-threads?")
        .hasMessageContaining(DIR);
  }

  @Test
  void aStoreOpenedWithTheShardKeyCommitsShardsThatLoadBack() throws Exception {
    String jobDir = tmp.resolve("job").toUri().toString();
    StateDict model = StateDict.builder()
        .put("a", Tensor.ofFloats(new long[] {512}, new float[512]))
        .put("b", Tensor.ofFloats(new long[] {512}, new float[512])).build();
    CheckpointContent content = CheckpointContent.builder().setModel(model).setManifest(TestCheckpoints.manifest(1))
        .build();
    try (HadoopCheckpointStore store = HadoopCheckpointStore.builder().setJobDir(jobDir)
        .optConfiguration(conf(StoreOptions.SHARD_BYTES, "2k")).build()) {
      assertThat(store.commit(content, CommitGuard.NONE).files()).extracting(ManifestFile::name)
          .contains("model.safetensors.index.json", "model-00001-of-00002.safetensors",
              "model-00002-of-00002.safetensors");
      assertThat(store.load(1).model()).isEqualTo(model);
    }
  }

  @Test
  void aStoreWithAnInvalidKeyDoesNotOpenAndWritesNothing() {
    Path job = tmp.resolve("job");
    assertThatThrownBy(() -> HadoopCheckpointStore.builder().setJobDir(job.toUri().toString())
        .optConfiguration(conf(StoreOptions.IO_THREADS, "many")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("epochal.checkpoint.io-threads is not a whole number, got 'many'");
    assertThat(Files.exists(job)).isFalse();
  }
}
