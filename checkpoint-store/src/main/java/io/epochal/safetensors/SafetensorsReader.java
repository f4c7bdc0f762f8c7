package io.epochal.safetensors;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads safetensors files. The header is validated completely (length limit, JSON, dtypes, unique
 * names, contiguous offsets, byte counts, total size) before any tensor buffer is allocated; then
 * every tensor is read straight into its own buffer and wrapped with {@link Tensor#wrap}, so a
 * state is held once.
 */
public final class SafetensorsReader {

  /** Chunk through which tensors that are not heap arrays are read. */
  static final int CHUNK = 1 << 18;

  private SafetensorsReader() {}

  /**
   * Reads a file of {@code length} bytes from {@code in} (which is left open; after the call it is
   * positioned at its end). Works with a Hadoop {@code FSDataInputStream} and any other stream.
   *
   * @param file the file's name or path, used in messages
   * @throws SafetensorsFormatException if the content is malformed, names the file and tensor
   * @throws IOException if reading fails
   */
  public static SafetensorsFile read(InputStream in, long length, String file) throws IOException {
    return read(in, length, file, TensorAllocator.heap());
  }

  /**
   * Reads a file of {@code length} bytes from {@code in} like {@link #read(InputStream, long,
   * String)}, putting each tensor's bytes into a buffer from {@code allocator} (e.g. off-heap). The
   * stream only ever sees reads into arrays: heap tensors are read into their own array, others
   * through one reused chunk of at most {@value #CHUNK} bytes.
   */
  public static SafetensorsFile read(InputStream in, long length, String file, TensorAllocator allocator)
      throws IOException {
    checkNotNull(in, "in");
    return read(new InputStreamChannel(in, CHUNK), length, file, allocator);
  }

  /**
   * Reads a file of {@code length} bytes from {@code ch} (left open, positioned at its end),
   * putting each tensor's bytes into a buffer from {@code allocator} with reads straight into that
   * buffer: from a {@code FileChannel} or an HDFS stream's {@code read(ByteBuffer)} an off-heap
   * tensor is filled without a copy on the heap. Once read, a region of a buffer is never written
   * again, so a channel may hand it on (e.g. to a hasher) without copying it.
   *
   * @param file the file's name or path, used in messages
   * @throws SafetensorsFormatException if the content is malformed, names the file and tensor
   * @throws IOException if reading fails
   */
  public static SafetensorsFile read(ReadableByteChannel ch, long length, String file, TensorAllocator allocator)
      throws IOException {
    checkNotNull(ch, "ch");
    checkNotNull(file, "file");
    checkNotNull(allocator, "allocator");
    checkArgument(length >= 0, "length of %s must be >= 0, got %s", file, length);
    SafetensorsHeader header = readHeader(ch, length, file);
    Map<String, Tensor> tensors = new HashMap<>();
    for (SafetensorsHeader.Entry e : header.byOffset) {
      ByteBuffer buf = allocator.allocate(e.length());
      checkArgument(buf.remaining() == e.length() && !buf.isReadOnly(),
          "allocator returned %s for tensor '%s' of %s bytes; it must return a writable buffer of that size",
          buf, e.name, e.length());
      int n = fill(ch, buf);
      buf.flip();
      if (n != e.length()) {
        throw new SafetensorsFormatException(file, "file ends inside tensor '" + e.name + "': "
            + (e.length() - n) + " of its " + e.length() + " bytes are missing");
      }
      tensors.put(e.name, Tensor.wrap(e.dtype, e.shape, buf));
    }
    if (fill(ch, ByteBuffer.allocate(1)) != 0) {
      throw new SafetensorsFormatException(file, "stream holds more than the expected " + length + " bytes");
    }
    return assemble(header, tensors);
  }

  /** Reads a file with ordinary reads into heap buffers (no memory mapping). */
  public static SafetensorsFile read(Path path) throws IOException {
    checkNotNull(path, "path");
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      return read(ch, ch.size(), path.toString(), TensorAllocator.heap());
    }
  }

  /**
   * Reads a file by memory-mapping each tensor's bytes read-only: nothing is copied onto the heap.
   * The file must not change while the returned tensors are in use.
   */
  public static SafetensorsFile readMapped(Path path) throws IOException {
    checkNotNull(path, "path");
    String file = path.toString();
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long length = ch.size();
      ByteBuffer prefix = ByteBuffer.allocate((int) Math.min(8, length)).order(ByteOrder.LITTLE_ENDIAN);
      readFully(ch, prefix, 0);
      if (length < 8) {
        SafetensorsHeader.checkHeaderLength(0, length, file);
      }
      long headerLength = prefix.getLong(0);
      SafetensorsHeader.checkHeaderLength(headerLength, length, file);
      ByteBuffer hb = ByteBuffer.allocate((int) headerLength);
      readFully(ch, hb, 8);
      long dataStart = 8 + headerLength;
      SafetensorsHeader header = SafetensorsHeader.parse(hb.array(), length - dataStart, file);
      Map<String, Tensor> tensors = new HashMap<>();
      for (SafetensorsHeader.Entry e : header.entries) {
        ByteBuffer data = e.length() == 0
            ? ByteBuffer.allocate(0)
            : ch.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin, e.length());
        tensors.put(e.name, Tensor.wrap(e.dtype, e.shape, data));
      }
      return assemble(header, tensors);
    }
  }

  /**
   * At most this many bytes per read: a file channel reads into a heap buffer through a temporary
   * direct buffer the size of the read, which the JDK then keeps for the thread; a whole tensor's
   * would be a second copy of it, kept.
   */
  private static final int READ_CHUNK = 1 << 20;

  /** Reads into {@code dst} until it is full or the channel ends; returns the bytes read. */
  private static int fill(ReadableByteChannel ch, ByteBuffer dst) throws IOException {
    int total = 0;
    while (dst.hasRemaining()) {
      int chunk = Math.min(dst.remaining(), READ_CHUNK);
      int n = ch.read(dst.slice(dst.position(), chunk));
      if (n < 0) {
        break;
      }
      dst.position(dst.position() + n);
      total += n;
    }
    return total;
  }

  private static void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
    long pos = position;
    while (dst.hasRemaining()) {
      int n = ch.read(dst, pos);
      if (n < 0) {
        throw new EOFException("unexpected end of file at " + pos);
      }
      pos += n;
    }
    dst.flip();
  }

  private static SafetensorsHeader readHeader(ReadableByteChannel ch, long length, String file) throws IOException {
    ByteBuffer prefix = ByteBuffer.allocate((int) Math.min(8, length)).order(ByteOrder.LITTLE_ENDIAN);
    int got = fill(ch, prefix);
    if (length < 8) {
      SafetensorsHeader.checkHeaderLength(0, length, file);
    }
    if (got != 8) {
      throw new SafetensorsFormatException(file, "file ends after " + got + " bytes, inside the length prefix");
    }
    long headerLength = prefix.getLong(0);
    SafetensorsHeader.checkHeaderLength(headerLength, length, file);
    ByteBuffer header = ByteBuffer.allocate((int) headerLength);
    int n = fill(ch, header);
    if (n != header.capacity()) {
      throw new SafetensorsFormatException(file, "file ends inside the header: " + n + " of "
          + header.capacity() + " header bytes present");
    }
    return SafetensorsHeader.parse(header.array(), length - 8 - headerLength, file);
  }

  private static SafetensorsFile assemble(SafetensorsHeader header, Map<String, Tensor> tensors) {
    StateDict.Builder b = StateDict.builder();
    for (SafetensorsHeader.Entry e : header.entries) {
      b.put(e.name, tensors.get(e.name));
    }
    return new SafetensorsFile(b.build(), header.metadata);
  }
}
