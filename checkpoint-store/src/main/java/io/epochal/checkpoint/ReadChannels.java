package io.epochal.checkpoint;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.StandardOpenOption;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.StreamCapabilities;

/**
 * Opens a checkpoint file as a channel that fills the caller's (tensor) buffers, choosing per file
 * system the path that measured fastest into fresh off-heap memory (see the README's store bench):
 *
 * <ul>
 *   <li>HDFS, and any stream with {@code read(ByteBuffer)}: straight into the buffer, no copy on
 *       the client.
 *   <li>The local file system: the file's own channel through one reused {@value #LOCAL_CHUNK}-byte
 *       direct chunk, then a copy into the buffer. Reading megabytes straight into a fresh direct
 *       buffer was about 15 % slower on the first load of a process, where a restore happens.
 *   <li>Anything else: the stream, through a copy.
 * </ul>
 */
final class ReadChannels {

  static final int LOCAL_CHUNK = 1 << 18;

  private ReadChannels() {}

  /** A channel over file {@code p} of {@code fs}; closing it closes the file. */
  static ReadableByteChannel open(FileSystem fs, Path p) throws IOException {
    // decided by the scheme, as everywhere in the store: a file system may extend the local one
    // to serve other URIs
    if (fs instanceof RawLocalFileSystem && "file".equals(fs.getUri().getScheme())) {
      try {
        return new ChunkedFileChannel(FileChannel.open(Locations.localFile(fs.makeQualified(p)), StandardOpenOption.READ));
      } catch (NoSuchFileException e) {
        throw new FileNotFoundException(p + " does not exist");
      }
    }
    FSDataInputStream in = fs.open(p);
    if (!in.hasCapability(StreamCapabilities.READBYTEBUFFER)) {
      return Channels.newChannel(in);
    }
    return new ByteBufferStreamChannel(in);
  }

  /** A local file read through one reused direct chunk. */
  private static final class ChunkedFileChannel implements ReadableByteChannel {
    private final FileChannel file;
    private final ByteBuffer chunk = ByteBuffer.allocateDirect(LOCAL_CHUNK);

    ChunkedFileChannel(FileChannel file) {
      this.file = file;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      if (!dst.hasRemaining()) {
        return 0;
      }
      chunk.clear().limit(Math.min(chunk.capacity(), dst.remaining()));
      int n = file.read(chunk);
      if (n > 0) {
        dst.put(chunk.flip());
      }
      return n;
    }

    @Override
    public boolean isOpen() {
      return file.isOpen();
    }

    @Override
    public void close() throws IOException {
      file.close();
    }
  }

  /** A Hadoop stream that reads into byte buffers itself (HDFS). */
  private static final class ByteBufferStreamChannel implements ReadableByteChannel {
    private final FSDataInputStream in;
    private boolean open = true;

    ByteBufferStreamChannel(FSDataInputStream in) {
      this.in = in;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return dst.hasRemaining() ? in.read(dst) : 0;
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public void close() throws IOException {
      open = false;
      in.close();
    }
  }
}
