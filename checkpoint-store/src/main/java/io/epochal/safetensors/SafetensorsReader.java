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
    checkNotNull(in, "in");
    checkNotNull(file, "file");
    checkArgument(length >= 0, "length of %s must be >= 0, got %s", file, length);
    SafetensorsHeader header = readHeader(in, length, file);
    Map<String, Tensor> tensors = new HashMap<>();
    for (SafetensorsHeader.Entry e : header.byOffset) {
      byte[] bytes = new byte[e.length()];
      int n = in.readNBytes(bytes, 0, bytes.length);
      if (n != bytes.length) {
        throw new SafetensorsFormatException(file, "file ends inside tensor '" + e.name + "': "
            + (bytes.length - n) + " of its " + bytes.length + " bytes are missing");
      }
      tensors.put(e.name, Tensor.wrap(e.dtype, e.shape, ByteBuffer.wrap(bytes)));
    }
    if (in.read() != -1) {
      throw new SafetensorsFormatException(file, "stream holds more than the expected " + length + " bytes");
    }
    return assemble(header, tensors);
  }

  /** Reads a file with ordinary reads into heap buffers (no memory mapping). */
  public static SafetensorsFile read(Path path) throws IOException {
    checkNotNull(path, "path");
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        InputStream in = java.nio.channels.Channels.newInputStream(ch)) {
      return read(in, ch.size(), path.toString());
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

  private static SafetensorsHeader readHeader(InputStream in, long length, String file) throws IOException {
    byte[] prefix = new byte[8];
    int got = in.readNBytes(prefix, 0, (int) Math.min(8, length));
    if (length < 8) {
      SafetensorsHeader.checkHeaderLength(0, length, file);
    }
    if (got != 8) {
      throw new SafetensorsFormatException(file, "file ends after " + got + " bytes, inside the length prefix");
    }
    long headerLength = ByteBuffer.wrap(prefix).order(ByteOrder.LITTLE_ENDIAN).getLong();
    SafetensorsHeader.checkHeaderLength(headerLength, length, file);
    byte[] header = new byte[(int) headerLength];
    int n = in.readNBytes(header, 0, header.length);
    if (n != header.length) {
      throw new SafetensorsFormatException(file, "file ends inside the header: " + n + " of "
          + header.length + " header bytes present");
    }
    return SafetensorsHeader.parse(header, length - 8 - headerLength, file);
  }

  private static SafetensorsFile assemble(SafetensorsHeader header, Map<String, Tensor> tensors) {
    StateDict.Builder b = StateDict.builder();
    for (SafetensorsHeader.Entry e : header.entries) {
      b.put(e.name, tensors.get(e.name));
    }
    return new SafetensorsFile(b.build(), header.metadata);
  }
}
