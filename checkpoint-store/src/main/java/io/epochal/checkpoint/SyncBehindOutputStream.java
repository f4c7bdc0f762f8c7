package io.epochal.checkpoint;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.IOException;
import java.io.OutputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.StreamCapabilities;

/**
 * Writes to an HDFS file and calls {@code hsync} after every {@code interval} bytes, so the
 * DataNodes write the file to disk while the client is still sending it.
 *
 * <p>A checkpoint's data files must all be on disk before its manifest is published. Synced only at
 * the end, a file's whole block waits in the DataNode's page cache and is written out in one piece
 * after the last byte arrived: the disk then works only once the transfer is over, and the commit
 * takes the transfer time plus the disk time. Syncing every few MiB lets the disk write one part
 * of the file while the next part is on the wire; the files a commit writes in parallel keep the
 * network busy while one of them waits for its sync. The file is in the commit's temporary
 * directory, so syncing part of it changes nothing about what a reader can see.
 *
 * <p>Writes are split at the interval's boundaries, so the syncs fall after exactly {@code
 * interval}, {@code 2 × interval}, ... bytes. Closing, and the final {@code hsync}, stay with the
 * caller, which owns the underlying stream.
 */
final class SyncBehindOutputStream extends OutputStream {

  private final FSDataOutputStream out;
  private final long interval;
  private long sinceSync;

  private SyncBehindOutputStream(FSDataOutputStream out, long interval) {
    this.out = out;
    this.interval = interval;
  }

  /**
   * {@code out} itself when {@code interval} is 0 or the stream cannot {@code hsync} (it would only
   * flush); otherwise a stream that syncs {@code out} after every {@code interval} bytes.
   */
  static OutputStream wrap(FSDataOutputStream out, long interval) {
    checkNotNull(out, "out");
    checkArgument(interval >= 0, "sync-behind interval must be >= 0 bytes, got %s", interval);
    if (interval == 0 || !out.hasCapability(StreamCapabilities.HSYNC)) {
      return out;
    }
    return new SyncBehindOutputStream(out, interval);
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    advance(1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    while (len > 0) {
      int n = (int) Math.min(len, interval - sinceSync);
      out.write(b, off, n);
      off += n;
      len -= n;
      advance(n);
    }
  }

  private void advance(int n) throws IOException {
    sinceSync += n;
    if (sinceSync == interval) {
      out.hsync();
      sinceSync = 0;
    }
  }

  @Override
  public void flush() throws IOException {
    out.flush();
  }

  /** Does not close the file: the writer syncs and closes it. */
  @Override
  public void close() throws IOException {
    flush();
  }
}
