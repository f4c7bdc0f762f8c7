package io.epochal.tensor;

import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.Arrays;

/**
 * An immutable tensor: a dtype, a shape and its elements as contiguous, row-major, little-endian
 * bytes (the safetensors data layout).
 *
 * <p>Two tensors are equal when dtype, shape and every byte are equal. A 0-d tensor has the shape
 * {@code []} and one element; a tensor with a zero dimension has no bytes. One tensor holds at most
 * {@link Integer#MAX_VALUE} bytes; larger states are split into more tensors (or shards).
 *
 * <p>Views such as {@link #asFloatBuffer()} share the bytes without copying and are read-only.
 */
public final class Tensor {

  private final DType dtype;
  private final long[] shape;
  private final ByteBuffer data; // read-only, little-endian, position 0, limit = byte size
  private int hash; // lazily computed, 0 = not yet

  private Tensor(DType dtype, long[] shape, ByteBuffer data) {
    this.dtype = dtype;
    this.shape = shape;
    this.data = data;
  }

  /**
   * A tensor holding a copy of {@code bytes}' remaining bytes (little-endian element order).
   *
   * @throws IllegalArgumentException if the byte count is not {@code numel(shape) * dtype size}
   */
  public static Tensor of(DType dtype, long[] shape, ByteBuffer bytes) {
    checkNotNull(bytes, "bytes");
    ByteBuffer copy = ByteBuffer.allocate(bytes.remaining());
    copy.put(bytes.duplicate());
    copy.flip();
    return wrap(dtype, shape, copy);
  }

  /**
   * A tensor over {@code bytes}' remaining bytes without copying them. The caller hands the buffer
   * over: it must not change those bytes afterwards. This is how readers and decoders avoid a
   * second copy of large states.
   *
   * @throws IllegalArgumentException if the byte count is not {@code numel(shape) * dtype size}
   */
  public static Tensor wrap(DType dtype, long[] shape, ByteBuffer bytes) {
    checkNotNull(dtype, "dtype");
    checkNotNull(bytes, "bytes");
    long[] s = checkShape(shape);
    long expected = byteSize(dtype, s);
    if (bytes.remaining() != expected) { // the message is built only on failure: shapes may be long
      throw new IllegalArgumentException("tensor of dtype " + dtype + " and shape " + Arrays.toString(s)
          + " needs " + expected + " bytes but " + bytes.remaining() + " were given");
    }
    ByteBuffer view = bytes.slice().order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer();
    return new Tensor(dtype, s, view.order(ByteOrder.LITTLE_ENDIAN));
  }

  /** A float32 tensor holding a copy of {@code values}. */
  public static Tensor ofFloats(long[] shape, float... values) {
    ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(values);
    return wrap(DType.F32, shape, b);
  }

  /** A float64 tensor holding a copy of {@code values}. */
  public static Tensor ofDoubles(long[] shape, double... values) {
    ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 8)).order(ByteOrder.LITTLE_ENDIAN);
    b.asDoubleBuffer().put(values);
    return wrap(DType.F64, shape, b);
  }

  /** An int64 tensor holding a copy of {@code values}. */
  public static Tensor ofLongs(long[] shape, long... values) {
    ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 8)).order(ByteOrder.LITTLE_ENDIAN);
    b.asLongBuffer().put(values);
    return wrap(DType.I64, shape, b);
  }

  /** An int32 tensor holding a copy of {@code values}. */
  public static Tensor ofInts(long[] shape, int... values) {
    ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(values.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
    b.asIntBuffer().put(values);
    return wrap(DType.I32, shape, b);
  }

  /** A 0-d int64 tensor, e.g. PyTorch's {@code num_batches_tracked} or an optimizer {@code step}. */
  public static Tensor scalarLong(long value) {
    return ofLongs(new long[0], value);
  }

  /** A 0-d float32 tensor. */
  public static Tensor scalarFloat(float value) {
    return ofFloats(new long[0], value);
  }

  /**
   * Number of bytes a tensor of this dtype and shape holds.
   *
   * @throws ArithmeticException if the count overflows a long
   */
  public static long byteSize(DType dtype, long[] shape) {
    return Math.multiplyExact(numel(shape), (long) dtype.byteSize());
  }

  /**
   * Number of elements of a shape (1 for {@code []}).
   *
   * @throws ArithmeticException if the count overflows a long
   */
  public static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    return n;
  }

  private static long[] checkShape(long[] shape) {
    checkNotNull(shape, "shape");
    for (int i = 0; i < shape.length; i++) {
      if (shape[i] < 0) {
        throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has a negative dimension "
            + shape[i] + " at index " + i);
      }
    }
    return shape.clone();
  }

  /** The element type. */
  public DType dtype() {
    return dtype;
  }

  /** A copy of the shape; {@code []} for a 0-d tensor. */
  public long[] shape() {
    return shape.clone();
  }

  /** Number of dimensions. */
  public int rank() {
    return shape.length;
  }

  /** Size of dimension {@code i}. */
  public long dim(int i) {
    return shape[i];
  }

  /** Number of elements. */
  public long numel() {
    return numel(shape);
  }

  /** Number of data bytes. */
  public long byteSize() {
    return data.limit();
  }

  /** A read-only, little-endian view of the bytes, positioned at 0. */
  public ByteBuffer data() {
    return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }

  /** A read-only float view of a {@link DType#F32} tensor, without copying. */
  public FloatBuffer asFloatBuffer() {
    requireDType(DType.F32);
    return data().asFloatBuffer();
  }

  /** A read-only double view of a {@link DType#F64} tensor, without copying. */
  public DoubleBuffer asDoubleBuffer() {
    requireDType(DType.F64);
    return data().asDoubleBuffer();
  }

  /** A read-only long view of an {@link DType#I64} tensor, without copying. */
  public LongBuffer asLongBuffer() {
    requireDType(DType.I64);
    return data().asLongBuffer();
  }

  /** A read-only int view of an {@link DType#I32} tensor, without copying. */
  public IntBuffer asIntBuffer() {
    requireDType(DType.I32);
    return data().asIntBuffer();
  }

  /** The elements of a {@link DType#F32} tensor as a new array. */
  public float[] toFloatArray() {
    FloatBuffer fb = asFloatBuffer();
    float[] out = new float[fb.remaining()];
    fb.get(out);
    return out;
  }

  /** The elements of an {@link DType#I64} tensor as a new array. */
  public long[] toLongArray() {
    LongBuffer lb = asLongBuffer();
    long[] out = new long[lb.remaining()];
    lb.get(out);
    return out;
  }

  /** The single value of a one-element {@link DType#I64} tensor. */
  public long longValue() {
    requireDType(DType.I64);
    checkState(numel() == 1, "tensor of shape %s is not a scalar", Arrays.toString(shape));
    return data.getLong(0);
  }

  /** The single value of a one-element {@link DType#F32} tensor. */
  public float floatValue() {
    requireDType(DType.F32);
    checkState(numel() == 1, "tensor of shape %s is not a scalar", Arrays.toString(shape));
    return data.getFloat(0);
  }

  private void requireDType(DType expected) {
    checkState(dtype == expected, "tensor has dtype %s, not %s", dtype, expected);
  }

  /** Same dtype and shape as {@code other}. */
  public boolean sameLayout(Tensor other) {
    return dtype == other.dtype && Arrays.equals(shape, other.shape);
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Tensor)) {
      return false;
    }
    Tensor t = (Tensor) o;
    return dtype == t.dtype && Arrays.equals(shape, t.shape) && data.equals(t.data);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0) {
      h = 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + data.hashCode();
      hash = h == 0 ? 1 : h;
    }
    return hash;
  }

  @Override
  public String toString() {
    return "Tensor[" + dtype + ", " + Arrays.toString(shape) + ", " + byteSize() + " bytes]";
  }
}
