package io.epochal.driver.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.epochal.tensor.DType;
import io.epochal.tensor.Tensor;
import java.nio.ByteBuffer;

/**
 * Kryo wire format of a {@link Tensor}: dtype, rank, dimensions, byte count, then the raw
 * little-endian bytes copied in blocks (no per-element boxing or encoding). A tensor of {@code n}
 * data bytes takes {@code n} plus a few header bytes on the wire.
 *
 * <p>Reading wraps the received bytes without a second copy.
 */
public final class TensorSerializer extends Serializer<Tensor> {

  private static final int BLOCK = 64 * 1024;
  private static final DType[] DTYPES = DType.values();

  /** A serializer for immutable tensors. */
  public TensorSerializer() {
    super(false, true);
  }

  @Override
  public void write(Kryo kryo, Output output, Tensor tensor) {
    output.writeVarInt(tensor.dtype().ordinal(), true);
    long[] shape = tensor.shape();
    output.writeVarInt(shape.length, true);
    for (long d : shape) {
      output.writeVarLong(d, true);
    }
    ByteBuffer data = tensor.data();
    int size = data.remaining();
    output.writeVarInt(size, true);
    if (data.hasArray()) {
      output.writeBytes(data.array(), data.arrayOffset() + data.position(), size);
      return;
    }
    byte[] block = new byte[Math.min(BLOCK, size)];
    while (data.hasRemaining()) {
      int n = Math.min(block.length, data.remaining());
      data.get(block, 0, n);
      output.writeBytes(block, 0, n);
    }
  }

  @Override
  public Tensor read(Kryo kryo, Input input, Class<Tensor> type) {
    int ordinal = input.readVarInt(true);
    if (ordinal < 0 || ordinal >= DTYPES.length) {
      throw new KryoException("tensor on the wire has unknown dtype ordinal " + ordinal
          + "; sender and receiver must run the same Epochal version");
    }
    int rank = input.readVarInt(true);
    long[] shape = new long[rank];
    for (int i = 0; i < rank; i++) {
      shape[i] = input.readVarLong(true);
    }
    int size = input.readVarInt(true);
    byte[] bytes = input.readBytes(size);
    return Tensor.wrap(DTYPES[ordinal], shape, ByteBuffer.wrap(bytes));
  }
}
