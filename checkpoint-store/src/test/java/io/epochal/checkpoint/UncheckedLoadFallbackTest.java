package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.safetensors.TensorAllocator;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSInputStream;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A load that reads data files without the file system's checksums falls back to the checksumming
 * file system when a file's copy is damaged, and fails only when that copy is damaged too.
 */
class UncheckedLoadFallbackTest {

  @TempDir
  Path dir;

  private final ExecutorService pool = Executors.newFixedThreadPool(2);
  private RawLocalFileSystem raw;
  private org.apache.hadoop.fs.Path epochDir;
  private CheckpointContent content;

  @BeforeEach
  void commitOneCheckpoint() throws Exception {
    content = TestCheckpoints.content(1, 4096);
    try (HadoopCheckpointStore store = HadoopCheckpointStore.open(dir.resolve("job").toUri().toString())) {
      store.commit(content, CommitGuard.NONE);
      epochDir = new org.apache.hadoop.fs.Path(store.checkpointsDir(), "epoch-000001");
    }
    raw = new RawLocalFileSystem();
    raw.initialize(URI.create("file:///"), new Configuration());
  }

  @AfterEach
  void stop() throws IOException {
    pool.shutdownNow();
    raw.close();
  }

  @Test
  void aDamagedUncheckedCopyIsReadAgainWithChecksumsAndTheLoadSucceeds() throws Exception {
    DamagingFileSystem unchecked = new DamagingFileSystem(raw, CheckpointStore.MODEL_FILE, -1);
    CheckpointReader reader = new CheckpointReader(raw, unchecked, pool, TensorAllocator.heap(), false,
        CheckpointSeries.EPOCHS);

    LoadedCheckpoint loaded = reader.load(1, epochDir);

    assertThat(unchecked.damagedOpens.get()).isEqualTo(1);
    assertThat(loaded.model()).isEqualTo(content.model());
    assertThat(loaded.optimizer()).isEqualTo(content.optimizer());
    assertThat(loaded.probe()).isEqualTo(content.probe());
  }

  @Test
  void aDamagedHeaderInTheUncheckedCopyIsReadAgainToo() throws Exception {
    DamagingFileSystem unchecked = new DamagingFileSystem(raw, CheckpointStore.OPTIMIZER_FILE, 9);
    CheckpointReader reader = new CheckpointReader(raw, unchecked, pool, TensorAllocator.heap(), false,
        CheckpointSeries.EPOCHS);

    LoadedCheckpoint loaded = reader.load(1, epochDir);

    assertThat(unchecked.damagedOpens.get()).isEqualTo(1);
    assertThat(loaded.optimizer()).isEqualTo(content.optimizer());
  }

  @Test
  void aFileDamagedInTheCheckedCopyTooFailsTheLoadNamingFileAndDigest() throws Exception {
    DamagingFileSystem checked = new DamagingFileSystem(raw, CheckpointStore.MODEL_FILE, -1);
    DamagingFileSystem unchecked = new DamagingFileSystem(raw, CheckpointStore.MODEL_FILE, -1);
    CheckpointReader reader = new CheckpointReader(checked, unchecked, pool, TensorAllocator.heap(), false,
        CheckpointSeries.EPOCHS);

    assertThatThrownBy(() -> reader.load(1, epochDir))
        .isInstanceOf(CheckpointCorruptedException.class)
        .hasMessageContaining(CheckpointStore.MODEL_FILE)
        .hasMessageContaining("SHA-256")
        .satisfies(e -> assertThat(e.getSuppressed()).hasSize(1));
    assertThat(unchecked.damagedOpens.get()).isEqualTo(1);
    assertThat(checked.damagedOpens.get()).isEqualTo(1);
  }

  @Test
  void withoutASeparateUncheckedFileSystemADamagedFileIsReadOnce() throws Exception {
    DamagingFileSystem only = new DamagingFileSystem(raw, CheckpointStore.MODEL_FILE, -1);
    CheckpointReader reader = new CheckpointReader(only, only, pool, TensorAllocator.heap(), false,
        CheckpointSeries.EPOCHS);

    assertThatThrownBy(() -> reader.load(1, epochDir))
        .isInstanceOf(CheckpointCorruptedException.class)
        .hasMessageContaining("SHA-256");
    assertThat(only.damagedOpens.get()).isEqualTo(1);
  }

  @Test
  void aManifestOrFileNoReplicaOfWhichPassesItsChecksumsIsDamageWhenTheUncheckedReadFindsOtherBytes()
      throws Exception {
    MissingBlockFileSystem checked = new MissingBlockFileSystem(raw, CheckpointManifest.FILE_NAME,
        CheckpointStore.OPTIMIZER_FILE);
    // read without checksums, the replicas' bytes are not the manifest's: damage, and the store falls back
    CheckpointReader damaged = new CheckpointReader(checked, new DamagingFileSystem(raw, CheckpointManifest.FILE_NAME,
        40), pool, TensorAllocator.heap(), false, CheckpointSeries.EPOCHS);
    assertThatThrownBy(() -> damaged.readManifest(1, epochDir)).isInstanceOf(CheckpointCorruptedException.class);
    CheckpointReader optimizerDamaged = new CheckpointReader(checked, new DamagingFileSystem(raw,
        CheckpointStore.OPTIMIZER_FILE, -1), pool, TensorAllocator.heap(), true, CheckpointSeries.EPOCHS);
    assertThat(optimizerDamaged.verify(1, epochDir).problems()).singleElement().asString()
        .contains(CheckpointStore.OPTIMIZER_FILE + " has no replica that passes its checksums",
            "every replica damaged");
    assertThatThrownBy(() -> optimizerDamaged.load(1, epochDir)).as("a weights-only load checks it")
        .isInstanceOf(CheckpointCorruptedException.class).hasMessageContaining("every replica damaged");

    // the same bytes as listed: the checked read's failure stands; a manifest that parses is read
    CheckpointReader intact = new CheckpointReader(checked, raw, pool, TensorAllocator.heap(), false,
        CheckpointSeries.EPOCHS);
    assertThat(intact.readManifest(1, epochDir).epoch()).isEqualTo(1);
    assertThatThrownBy(() -> intact.verify(1, epochDir)).isInstanceOf(CheckpointException.class)
        .isNotInstanceOf(CheckpointCorruptedException.class);
    // unreachable without checksums too (no DataNode answers): an I/O error, never damage
    CheckpointReader unreachable = new CheckpointReader(checked, checked, pool, TensorAllocator.heap(), false,
        CheckpointSeries.EPOCHS);
    assertThatThrownBy(() -> unreachable.readManifest(1, epochDir)).isInstanceOf(CheckpointException.class)
        .isNotInstanceOf(CheckpointCorruptedException.class);
    CheckpointReader neither = new CheckpointReader(checked, new MissingBlockFileSystem(raw,
        CheckpointManifest.FILE_NAME, CheckpointStore.OPTIMIZER_FILE), pool, TensorAllocator.heap(), false,
        CheckpointSeries.EPOCHS);
    assertThatThrownBy(() -> neither.verify(1, epochDir)).isInstanceOf(CheckpointException.class)
        .isNotInstanceOf(CheckpointCorruptedException.class);
  }

  @Test
  void aManifestOfFormat10NoReplicaOfWhichPassesItsChecksumsIsDamageNotTrustedReadWithoutThem() throws Exception {
    // format 1.0 had no digest of its own: bytes read past the checksums cannot be told intact
    java.nio.file.Path manifest = java.nio.file.Path.of(new org.apache.hadoop.fs.Path(epochDir,
        CheckpointManifest.FILE_NAME).toUri());
    String json = java.nio.file.Files.readString(manifest);
    String old = json.replaceAll(",\\s*\"manifest_sha256\" : \"[0-9a-f]{64}\"", "")
        .replace("\"format_version\" : \"1.1\"", "\"format_version\" : \"1.0\"");
    assertThat(old).doesNotContain("manifest_sha256").contains("\"format_version\" : \"1.0\"");
    java.nio.file.Files.writeString(manifest, old);
    MissingBlockFileSystem checked = new MissingBlockFileSystem(raw, CheckpointManifest.FILE_NAME);
    assertThat(new CheckpointReader(raw, raw, pool, TensorAllocator.heap(), false, CheckpointSeries.EPOCHS)
        .readManifest(1, epochDir).formatVersion()).as("read with checksums, it is read").isEqualTo("1.0");

    CheckpointReader reader = new CheckpointReader(checked, raw, pool, TensorAllocator.heap(), false,
        CheckpointSeries.EPOCHS);
    assertThatThrownBy(() -> reader.readManifest(1, epochDir)).as("damaged: the store falls back past it")
        .isInstanceOf(CheckpointCorruptedException.class).hasMessageContaining("manifest.json has no replica that "
            + "passes its checksums, and its format 1.0 has no digest of its own").hasStackTraceContaining(
            "Could not obtain block");
    // no DataNode answers the read without checksums either (a client of its own, as the store's): an I/O error,
    // never damage
    CheckpointReader unreachable = new CheckpointReader(checked, new MissingBlockFileSystem(raw,
        CheckpointManifest.FILE_NAME), pool, TensorAllocator.heap(), false, CheckpointSeries.EPOCHS);
    assertThatThrownBy(() -> unreachable.readManifest(1, epochDir)).isInstanceOf(CheckpointException.class)
        .isNotInstanceOf(CheckpointCorruptedException.class);
    // its DataNodes back a moment after the checked read gave up: read with checksums once more, it is intact
    CheckpointReader back = new CheckpointReader(new MissingBlockFileSystem(raw, 1, CheckpointManifest.FILE_NAME),
        raw, pool, TensorAllocator.heap(), false, CheckpointSeries.EPOCHS);
    assertThat(back.readManifest(1, epochDir).formatVersion()).isEqualTo("1.0");
    // the checked read failing then for another reason (a NameNode failing over): the first read's I/O error
    FilterFileSystem failingOver = new FilterFileSystem(new MissingBlockFileSystem(raw, 1,
        CheckpointManifest.FILE_NAME)) {
      private final AtomicInteger opens = new AtomicInteger();

      @Override
      public FSDataInputStream open(org.apache.hadoop.fs.Path f, int bufferSize) throws IOException {
        if (f.getName().equals(CheckpointManifest.FILE_NAME) && opens.incrementAndGet() > 1) {
          throw new java.net.ConnectException("Connection refused");
        }
        return super.open(f, bufferSize);
      }
    };
    CheckpointReader away = new CheckpointReader(failingOver, raw, pool, TensorAllocator.heap(), false,
        CheckpointSeries.EPOCHS);
    assertThatThrownBy(() -> away.readManifest(1, epochDir)).isInstanceOf(CheckpointException.class)
        .isNotInstanceOf(CheckpointCorruptedException.class);
  }

  /** Opens the named files as HDFS's checksumming client does when it gives up on every replica of a block. */
  private static final class MissingBlockFileSystem extends FilterFileSystem {
    private final java.util.Set<String> names;
    /** Opens of the named files still to fail; negative: every one. */
    private final AtomicInteger failing;

    MissingBlockFileSystem(RawLocalFileSystem raw, String... names) {
      this(raw, -1, names);
    }

    MissingBlockFileSystem(RawLocalFileSystem raw, int failing, String... names) {
      super(raw);
      this.names = java.util.Set.of(names);
      this.failing = new AtomicInteger(failing);
    }

    @Override
    public FSDataInputStream open(org.apache.hadoop.fs.Path f, int bufferSize) throws IOException {
      if (names.contains(f.getName()) && failing.getAndDecrement() != 0) {
        throw new org.apache.hadoop.hdfs.BlockMissingException(f.toString(), "Could not obtain block: no live nodes "
            + "contain current block", 0);
      }
      return super.open(f, bufferSize);
    }
  }

  /** Flips one bit of one file as it is read: at {@code offset}, or its last byte if negative. */
  private static final class DamagingFileSystem extends FilterFileSystem {
    private final String name;
    private final long offset;
    final AtomicInteger damagedOpens = new AtomicInteger();

    DamagingFileSystem(RawLocalFileSystem raw, String name, long offset) {
      super(raw);
      this.name = name;
      this.offset = offset;
    }

    @Override
    public FSDataInputStream open(org.apache.hadoop.fs.Path f, int bufferSize) throws IOException {
      FSDataInputStream in = super.open(f, bufferSize);
      if (!f.getName().equals(name)) {
        return in;
      }
      damagedOpens.incrementAndGet();
      long at = offset >= 0 ? offset : getFileStatus(f).getLen() - 1;
      return new FSDataInputStream(new FlippingStream(in, at));
    }
  }

  private static final class FlippingStream extends FSInputStream {
    private final FSDataInputStream in;
    private final long at;

    FlippingStream(FSDataInputStream in, long at) {
      this.in = in;
      this.at = at;
    }

    @Override
    public int read() throws IOException {
      long pos = in.getPos();
      int b = in.read();
      return b >= 0 && pos == at ? (b ^ 0x10) & 0xff : b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      long pos = in.getPos();
      int n = in.read(b, off, len);
      if (n > 0 && at >= pos && at < pos + n) {
        b[off + (int) (at - pos)] ^= 0x10;
      }
      return n;
    }

    @Override
    public void seek(long pos) throws IOException {
      in.seek(pos);
    }

    @Override
    public long getPos() throws IOException {
      return in.getPos();
    }

    @Override
    public boolean seekToNewSource(long targetPos) {
      return false;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
