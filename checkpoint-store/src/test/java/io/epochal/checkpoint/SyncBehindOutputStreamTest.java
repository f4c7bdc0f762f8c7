package io.epochal.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.StreamCapabilities;
import org.apache.hadoop.fs.Syncable;
import org.junit.jupiter.api.Test;

class SyncBehindOutputStreamTest {

  /** An in-memory file that records how many bytes it held at every hsync. */
  private static final class RecordingFile extends ByteArrayOutputStream implements Syncable, StreamCapabilities {
    final List<Integer> syncedAt = new ArrayList<>();
    private final boolean canSync;

    RecordingFile(boolean canSync) {
      this.canSync = canSync;
    }

    @Override
    public void hflush() {}

    @Override
    public void hsync() {
      syncedAt.add(size());
    }

    @Override
    public boolean hasCapability(String capability) {
      return canSync && capability.equals(StreamCapabilities.HSYNC);
    }
  }

  private static FSDataOutputStream open(RecordingFile file) {
    return new FSDataOutputStream(file, null);
  }

  @Test
  void syncsAfterEveryIntervalEvenInsideOneLargeWrite() throws Exception {
    RecordingFile file = new RecordingFile(true);
    byte[] data = new byte[100];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) i;
    }

    OutputStream out = SyncBehindOutputStream.wrap(open(file), 16);
    out.write(data, 0, 5);
    out.write(data, 5, 90);
    out.write(data[95]);
    out.write(data, 96, 4);
    out.flush();

    assertThat(file.syncedAt).containsExactly(16, 32, 48, 64, 80, 96);
    assertThat(file.toByteArray()).as("every byte arrives once, in order").isEqualTo(data);
  }

  @Test
  void singleByteWritesSyncAtTheBoundaryToo() throws Exception {
    RecordingFile file = new RecordingFile(true);

    OutputStream out = SyncBehindOutputStream.wrap(open(file), 3);
    for (int i = 0; i < 7; i++) {
      out.write(i);
    }

    assertThat(file.syncedAt).containsExactly(3, 6);
  }

  @Test
  void closingLeavesTheFileOpenForTheWritersFinalSync() throws Exception {
    RecordingFile file = new RecordingFile(true);
    FSDataOutputStream raw = open(file);

    OutputStream out = SyncBehindOutputStream.wrap(raw, 4);
    out.write(new byte[6]);
    out.close();
    raw.write(1);

    assertThat(file.size()).isEqualTo(7);
    assertThat(file.syncedAt).containsExactly(4);
  }

  @Test
  void zeroIntervalOrAStreamThatCannotSyncIsNotWrapped() {
    FSDataOutputStream syncable = open(new RecordingFile(true));
    FSDataOutputStream flushOnly = open(new RecordingFile(false));

    assertThat(SyncBehindOutputStream.wrap(syncable, 0)).isSameAs(syncable);
    assertThat(SyncBehindOutputStream.wrap(flushOnly, 8)).isSameAs(flushOnly);
    assertThat(SyncBehindOutputStream.wrap(syncable, 8)).isInstanceOf(SyncBehindOutputStream.class);
  }

  @Test
  void negativeIntervalIsRefusedNamingTheValue() {
    assertThatThrownBy(() -> SyncBehindOutputStream.wrap(open(new RecordingFile(true)), -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sync-behind interval must be >= 0 bytes, got -1");
  }

  @Test
  void storeBuilderRefusesANegativeSyncBehindNamingTheValue() {
    assertThatThrownBy(() -> HadoopCheckpointStore.builder().optSyncBehindBytes(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("syncBehindBytes must be >= 0 (0 = sync only at the end), got -1");
    assertThat(HadoopCheckpointStore.DEFAULT_SYNC_BEHIND_BYTES).isEqualTo(8L << 20);
  }
}
