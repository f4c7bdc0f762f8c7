package io.epochal.safetensors;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * Writes a {@link StateDict} in the safetensors format: 8-byte little-endian header length, the
 * compact JSON header (optional {@code __metadata__} first, then every tensor in state dict order
 * with {@code dtype}, {@code shape} and {@code data_offsets}), padded with spaces to a multiple of
 * 8 bytes, then every tensor's bytes in the same order.
 *
 * <p>Tensor bytes are streamed from the tensors' own buffers through a small chunk: the state is
 * never copied whole. The writer does not close or flush the stream's owner resources beyond
 * {@link OutputStream#flush()}.
 */
public final class SafetensorsWriter {

  /** The key of the optional string map in the header. */
  public static final String METADATA_KEY = "__metadata__";

  private static final int CHUNK = 1 << 18; // below half of G1's smallest region: never a humongous array
  private static final int CHANNEL_SLICE = 1 << 20; // the JDK caches a native buffer this large per thread
  private static final JsonFactory JSON = new JsonFactory();

  private SafetensorsWriter() {}

  /**
   * The header bytes (JSON plus padding, without the 8-byte length prefix) for {@code tensors} and
   * {@code metadata}.
   *
   * @throws IllegalArgumentException if a tensor is named {@value #METADATA_KEY}
   */
  public static byte[] header(StateDict tensors, Map<String, String> metadata) {
    checkNotNull(tensors, "tensors");
    checkNotNull(metadata, "metadata");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 + 96 * tensors.size());
    try (JsonGenerator g = JSON.createGenerator(bytes)) {
      g.writeStartObject();
      if (!metadata.isEmpty()) {
        g.writeObjectFieldStart(METADATA_KEY);
        for (Map.Entry<String, String> e : metadata.entrySet()) {
          checkNotNull(e.getValue(), "metadata value of key '%s'", e.getKey());
          checkReadable(e.getKey(), "metadata key");
          checkReadable(e.getValue(), "value of metadata key '" + e.getKey() + "'");
          g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
      }
      long offset = 0;
      for (Map.Entry<String, Tensor> e : tensors) {
        checkArgument(!METADATA_KEY.equals(e.getKey()),
            "a tensor may not be named '%s': the name is reserved for the header metadata; rename it",
            METADATA_KEY);
        Tensor t = e.getValue();
        checkReadable(e.getKey(), "tensor name");
        checkArgument(t.rank() <= HeaderBudget.MAX_RANK, "tensor '%s' has %s dimensions; readers of these files "
            + "accept at most %s: reshape it", e.getKey(), t.rank(), HeaderBudget.MAX_RANK);
        checkArgument(t.byteSize() <= SafetensorsHeader.MAX_TENSOR_BYTES, "tensor '%s' holds %s bytes; readers of "
            + "these files accept at most %s in one tensor: split it", e.getKey(), t.byteSize(),
            SafetensorsHeader.MAX_TENSOR_BYTES);
        g.writeObjectFieldStart(e.getKey());
        g.writeStringField("dtype", t.dtype().safetensorsName());
        g.writeArrayFieldStart("shape");
        for (long d : t.shape()) {
          g.writeNumber(d);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("data_offsets");
        g.writeNumber(offset);
        offset += t.byteSize();
        g.writeNumber(offset);
        g.writeEndArray();
        g.writeEndObject();
      }
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException("writing to memory failed", e);
    }
    int pad = (8 - bytes.size() % 8) % 8;
    checkArgument(bytes.size() + pad <= SafetensorsHeader.MAX_HEADER_BYTES, "the header of these %s tensors and %s "
        + "metadata entries takes %s bytes; readers of these files accept at most %s: shorten the tensor names or "
        + "the metadata", tensors.size(), metadata.size(), bytes.size() + pad, SafetensorsHeader.MAX_HEADER_BYTES);
    for (int i = 0; i < pad; i++) {
      bytes.write(' ');
    }
    return bytes.toByteArray();
  }

  /**
   * Refuses a string that readers would refuse: too long, or holding a lone UTF-16 surrogate, which has no
   * UTF-8 form (JSON's {@code \\uD800} escape of it is refused by the reference reader, and so by PyTorch).
   */
  private static void checkReadable(String s, String what) {
    if (s.length() > HeaderBudget.MAX_STRING_CHARS) {
      throw new IllegalArgumentException(what + " '" + s.substring(0, 40) + "...' has " + s.length()
          + " characters; readers of these files accept at most " + HeaderBudget.MAX_STRING_CHARS);
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException(what + " '" + s.substring(0, Math.min(s.length(), 40)) + "' holds a lone "
            + "UTF-16 surrogate (U+" + Integer.toHexString(c).toUpperCase(java.util.Locale.ROOT) + ") at " + i
            + ", which has no UTF-8 form; the format's header is UTF-8 JSON");
      }
    }
  }

  /** The exact size in bytes of the file {@link #write} produces for these arguments. */
  public static long fileSize(StateDict tensors, Map<String, String> metadata) {
    return 8L + header(tensors, metadata).length + tensors.totalBytes();
  }

  /**
   * Writes {@code tensors} and {@code metadata} to {@code out} and flushes it; returns the number
   * of bytes written. The stream is not closed.
   *
   * @throws IOException from the stream
   */
  public static long write(StateDict tensors, Map<String, String> metadata, OutputStream out)
      throws IOException {
    checkNotNull(out, "out");
    byte[] header = header(tensors, metadata);
    byte[] prefix = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array();
    out.write(prefix);
    out.write(header);
    long written = 8L + header.length;
    byte[] chunk = new byte[(int) Math.min(CHUNK, Math.max(1, maxTensorBytes(tensors)))];
    for (Map.Entry<String, Tensor> e : tensors) {
      ByteBuffer data = e.getValue().data();
      if (data.hasArray()) {
        out.write(data.array(), data.arrayOffset() + data.position(), data.remaining());
        written += data.remaining();
        continue;
      }
      while (data.hasRemaining()) {
        int n = Math.min(chunk.length, data.remaining());
        data.get(chunk, 0, n);
        out.write(chunk, 0, n);
        written += n;
      }
    }
    out.flush();
    return written;
  }

  /**
   * Writes the same bytes as {@link #write(StateDict, Map, OutputStream)} to a channel, handing the
   * tensors' own buffers to it in slices of at most 1 MiB: a file channel copies a heap slice
   * once into its native buffer and writes an off-heap tensor without any copy. The channel is
   * neither forced nor closed.
   *
   * @return the number of bytes written
   * @throws IOException from the channel
   */
  public static long write(StateDict tensors, Map<String, String> metadata, WritableByteChannel out)
      throws IOException {
    checkNotNull(out, "out");
    byte[] header = header(tensors, metadata);
    writeFully(out, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length));
    writeFully(out, ByteBuffer.wrap(header));
    long written = 8L + header.length;
    for (Map.Entry<String, Tensor> e : tensors) {
      ByteBuffer data = e.getValue().data();
      while (data.hasRemaining()) {
        ByteBuffer slice = data.duplicate();
        slice.limit(slice.position() + Math.min(CHANNEL_SLICE, slice.remaining()));
        data.position(slice.limit());
        written += slice.remaining();
        writeFully(out, slice);
      }
    }
    return written;
  }

  private static void writeFully(WritableByteChannel out, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      out.write(b);
    }
  }

  /**
   * Feeds {@code digest} exactly the bytes {@link #write(StateDict, Map, OutputStream)} writes for
   * these arguments, straight from the tensors' own buffers (nothing is copied). Tensors are
   * immutable, so this may run on another thread while the same state is being written, which lets
   * a store hash a file in parallel with its I/O.
   */
  public static void digest(StateDict tensors, Map<String, String> metadata, MessageDigest digest) {
    checkNotNull(digest, "digest");
    byte[] header = header(tensors, metadata);
    digest.update(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
    digest.update(header);
    for (Map.Entry<String, Tensor> e : tensors) {
      digest.update(e.getValue().data());
    }
  }

  /** Writes {@code tensors} without metadata; see {@link #write(StateDict, Map, OutputStream)}. */
  public static long write(StateDict tensors, OutputStream out) throws IOException {
    return write(tensors, Map.of(), out);
  }

  private static long maxTensorBytes(StateDict tensors) {
    long max = 0;
    for (Map.Entry<String, Tensor> e : tensors) {
      max = Math.max(max, e.getValue().byteSize());
    }
    return max;
  }
}
