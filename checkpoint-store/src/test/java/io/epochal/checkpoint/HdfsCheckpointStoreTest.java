package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.DFSClient;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.util.ByteArrayManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store on a real HDFS (one-datanode MiniDFSCluster on localhost, started once per class). */
class HdfsCheckpointStoreTest extends AbstractCheckpointStoreTest {

  @TempDir
  static Path base;

  private static MiniHdfs hdfs;

  @BeforeAll
  static void startHdfs() throws IOException {
    hdfs = MiniHdfs.start(base.resolve("dfs").toFile());
  }

  @AfterAll
  static void stopHdfs() {
    if (hdfs != null) {
      hdfs.close();
    }
  }

  @Override
  String newJobDir(String name) {
    return hdfs.uri() + "/jobs/" + name;
  }

  @Override
  Configuration conf() {
    return hdfs.conf();
  }

  @Override
  FileSystem fileSystem() throws IOException {
    return hdfs.fileSystem();
  }

  @Test
  void anEpochPublishedBetweenTheCheckAndTheRenameIsRefusedByTheNameNodeAsExisting() throws Exception {
    store.commit(TestCheckpoints.content(5, 64), CommitGuard.NONE);
    org.apache.hadoop.fs.Path checkpoints = new org.apache.hadoop.fs.Path(store.checkpointsDir());
    org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(checkpoints, "epoch-000005");
    org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path(checkpoints, "_tmp-epoch-000005-racing");
    try (FSDataOutputStream out = fileSystem().create(new org.apache.hadoop.fs.Path(tmp, "manifest.json"))) {
      out.write("{}".getBytes(StandardCharsets.UTF_8));
    }
    // exists() misses the published epoch 5, as when another writer renames it in just after the check:
    // the NameNode's rename itself must refuse, and be said as the checkpoint that exists
    FileSystem blind = new org.apache.hadoop.fs.FilterFileSystem(fileSystem()) {
      @Override
      public boolean exists(org.apache.hadoop.fs.Path p) throws IOException {
        return !p.getName().equals("epoch-000005") && super.exists(p);
      }
    };
    CheckpointPublisher publisher = new CheckpointPublisher(blind,
        org.apache.hadoop.fs.FileContext.getFileContext(URI.create(hdfs.uri()), conf()), false,
        new CheckpointFileWriter(blind, false, OutputStreamDecorator.NONE, null, null, 0, 0));

    assertThatThrownBy(() -> publisher.publish(5, tmp, target, checkpoints))
        .isInstanceOf(CheckpointExistsException.class).hasMessageContaining("epoch-000005");
    assertThat(fileSystem().exists(new org.apache.hadoop.fs.Path(target, "_tmp-epoch-000005-racing")))
        .as("not moved into the published checkpoint").isFalse();
    assertThat(store.load(5).model()).isEqualTo(TestCheckpoints.content(5, 64).model());
  }

  @Test
  void checkpointLivesOnHdfs() throws Exception {
    store.commit(TestCheckpoints.content(1), CommitGuard.NONE);
    assertThat(store.checkpointsDir()).startsWith("hdfs://127.0.0.1:");
    assertThat(fileSystem().exists(new org.apache.hadoop.fs.Path(
        store.checkpointsDir() + "/epoch-000001/manifest.json"))).isTrue();
  }

  @Test
  void hdfsFilesAreReadStraightIntoTheCallersBuffers() throws Exception {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(hdfs.uri() + "/read-channel.bin");
    byte[] data = new byte[200_000];
    new Random(5).nextBytes(data);
    try (FSDataOutputStream out = fileSystem().create(p)) {
      out.write(data);
    }
    try (ReadableByteChannel ch = ReadChannels.open(fileSystem(), p)) {
      // the stream's own read(ByteBuffer), not java.nio's copying adapter
      assertThat(ch.getClass().getSimpleName()).isEqualTo("ByteBufferStreamChannel");
      ByteBuffer direct = ByteBuffer.allocateDirect(data.length);
      while (direct.hasRemaining()) {
        assertThat(ch.read(direct)).isPositive();
      }
      byte[] back = new byte[data.length];
      direct.flip().get(back);
      assertThat(back).isEqualTo(data);
      assertThat(ch.read(ByteBuffer.allocate(1))).isEqualTo(-1);
    }
  }

  @Test
  void dataNodeSyncsEachDataFileWhileItIsStillBeingWritten() throws Exception {
    CheckpointContent content = TestCheckpoints.content(1, 1 << 18); // model and optimizer: 1 MiB each
    try (HadoopCheckpointStore atEndOnly = HadoopCheckpointStore.builder().setJobDir(newJobDir("sync-at-end"))
            .optConfiguration(conf()).optSyncBehindBytes(0).build();
        HadoopCheckpointStore behind = HadoopCheckpointStore.builder().setJobDir(newJobDir("sync-behind"))
            .optConfiguration(conf()).optSyncBehindBytes(64 << 10).build()) {
      long before = hdfs.dataNodeFsyncs();
      atEndOnly.commit(content, CommitGuard.NONE);
      long endSyncs = hdfs.dataNodeFsyncs() - before;
      behind.commit(content, CommitGuard.NONE);
      long behindSyncs = hdfs.dataNodeFsyncs() - before - endSyncs;

      // 16 more syncs in each of the two 1 MiB files, one after every 64 KiB
      assertThat(behindSyncs - endSyncs).as("syncs at end only: %s, with sync-behind: %s", endSyncs, behindSyncs)
          .isGreaterThanOrEqualTo(32);
      assertThat(behind.load(1).model()).isEqualTo(content.model());
      assertThat(behind.verify(1).ok()).isTrue();
    }
  }

  @Test
  void storesClientRecyclesPacketBuffersThoughAnotherClientOpenedHdfsFirst() throws Exception {
    // the cluster's own client, created with the byte-array manager off, owns the "default" context
    assertThat(fileSystem().exists(new org.apache.hadoop.fs.Path("/"))).isTrue();

    try (FileSystem storeFs = FileSystem.newInstance(URI.create(hdfs.uri()), HdfsPacketBuffers.apply(conf()))) {
      ByteArrayManager packets = ((DistributedFileSystem) storeFs).getClient().getClientContext().getByteArrayManager();
      assertThat(packets.getClass().getName()).as("the recycling implementation, not the one that always allocates")
          .isEqualTo(ByteArrayManager.class.getName() + "$Impl");
    }
  }

  /** A writer on its own client of this cluster, sharding above 128 KiB; {@code failing} wraps every file's stream. */
  private static <T> T withWriter(OutputStreamDecorator failing, WriterUse<T> use) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    ExecutorService hashers = Executors.newFixedThreadPool(4);
    try (FileSystem fs = FileSystem.newInstance(URI.create(hdfs.uri()), hdfs.conf())) {
      CheckpointFileWriter writer = new CheckpointFileWriter(fs, false, failing, pool, hashers, 128 << 10, 64 << 10);
      return use.apply(writer, ((DistributedFileSystem) fs).getClient());
    } finally {
      pool.shutdownNow();
      hashers.shutdownNow();
    }
  }

  private interface WriterUse<T> {
    T apply(CheckpointFileWriter writer, DFSClient client) throws Exception;
  }

  private static List<Map.Entry<String, StateDict>> fourShards() {
    StateDict.Builder model = StateDict.builder();
    for (int i = 0; i < 8; i++) {
      model.put("layers." + i + ".weight", Tensor.ofFloats(new long[] {16 << 10}, TestCheckpoints.floats(i, 16 << 10)));
    }
    return List.of(Map.entry("model.safetensors", model.build()));
  }

  @Test
  void syncedDataFilesStayOpenUntilFinishClosesThemBesideTheManifest() throws Exception {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(hdfs.uri() + "/writer/finish");
    withWriter(OutputStreamDecorator.NONE, (writer, client) -> {
      writer.mkdirs(dir);
      try (SyncedFiles files = writer.writeStates(7, dir, fourShards(), "manifest.json")) {
        assertThat(files.entries()).extracting(ManifestFile::name).containsExactly("model.safetensors.index.json",
            "model-00001-of-00004.safetensors", "model-00002-of-00004.safetensors",
            "model-00003-of-00004.safetensors", "model-00004-of-00004.safetensors");
        assertThat(client.getNumOfFilesBeingWritten()).as("the four shards, synced, and the manifest, created empty;"
            + " none completed").isEqualTo(5);
        assertThat(fileSystem().getFileStatus(new org.apache.hadoop.fs.Path(dir, "manifest.json")).getLen())
            .as("the manifest's content comes last").isZero();

        writer.finish(7, dir, files, "manifest.json", "{}".getBytes(StandardCharsets.UTF_8));

        assertThat(client.isFilesBeingWrittenEmpty()).isTrue();
        assertThat(fileSystem().getFileStatus(new org.apache.hadoop.fs.Path(dir, "manifest.json")).getLen()).isEqualTo(2);
        for (ManifestFile f : files.entries()) {
          assertThat(fileSystem().getFileStatus(new org.apache.hadoop.fs.Path(dir, f.name())).getLen())
              .as(f.name()).isEqualTo(f.size());
        }
      }
      return null;
    });
  }

  @Test
  void failedWriteClosesEveryFileItOpened() throws Exception {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(hdfs.uri() + "/writer/failed");
    OutputStreamDecorator failing = (name, out) -> !name.equals("model-00003-of-00004.safetensors") ? out
        : new FilterOutputStream(out) {
          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            throw new IOException("disk failed in " + name);
          }
        };
    withWriter(failing, (writer, client) -> {
      writer.mkdirs(dir);
      assertThatThrownBy(() -> writer.writeStates(7, dir, fourShards(), "manifest.json"))
          .isInstanceOf(IOException.class).hasMessage("disk failed in model-00003-of-00004.safetensors");
      assertThat(client.isFilesBeingWrittenEmpty()).as("no stream of the failed write left open").isTrue();
      return null;
    });
  }
}
