package io.epochal.worker.state;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.epochal.tensor.DType;
import io.epochal.tensor.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Copies between DJL {@link NDArray}s and engine-free {@link Tensor}s. Arrays on a GPU are copied
 * to the CPU first, so a tensor never depends on the device it came from.
 */
public final class TensorConversion {

  private static final NDIndex ALL = new NDIndex("...");

  private TensorConversion() {}

  /** A tensor holding a copy of {@code array}'s elements (moved to the CPU if needed). */
  public static Tensor toTensor(NDArray array) {
    DType dtype = dtypeOf(array.getDataType());
    // a view of the engine's memory, copied below: the engine's other path allocates the Java array
    // in native code and, when the heap is full, writes into the array it could not allocate (the
    // JVM crashed with SIGSEGV); here a full heap is an OutOfMemoryError in Java, which a run reports
    return withBytes(array, (bytes, copied) -> Tensor.wrap(dtype, array.getShape().getShape(), heapCopy(bytes)));
  }

  /**
   * A tensor over the array's own memory where the engine gives it (a contiguous array on the CPU), without a copy
   * to the heap; elsewhere (a GPU, a strided view) over a heap copy. Valid only until the array is written to or
   * closed: for reading at once, as the moving average of the model reads the model after a step.
   */
  public static Tensor view(NDArray array) {
    DType dtype = dtypeOf(array.getDataType());
    return withBytes(array, (bytes, copied) -> Tensor.wrap(dtype, array.getShape().getShape(),
        copied ? heapCopy(bytes) : bytes));
  }

  /**
   * The elements of a float32 array, read through a view of the engine's memory (as {@link
   * #toTensor}), so that a full heap is an OutOfMemoryError in Java rather than a crash in the
   * engine's native code.
   */
  public static float[] toFloats(NDArray array) {
    checkArgument(array.getDataType() == ai.djl.ndarray.types.DataType.FLOAT32, "array is %s, not float32",
        array.getDataType());
    float[] out = new float[Math.toIntExact(array.size())];
    return withBytes(array, (bytes, copied) -> {
      bytes.order(ByteOrder.nativeOrder()).asFloatBuffer().get(out);
      return out;
    });
  }

  /**
   * {@code read} of a view of {@code array}'s bytes, and whether they are a copy. For an array on a
   * GPU, or one that is not contiguous, the engine makes a host or contiguous copy to view, in the
   * array's manager, and never closes it: a model kept open across rounds grew by a copy of itself
   * every step. Here the array is attached to a scratch manager while it is read, so that such a copy
   * (and the manager the engine makes for a device copy) is made in it and freed when it closes, the
   * array returned to its own manager. {@code read} must not keep a copied view.
   */
  private static <T> T withBytes(NDArray array, java.util.function.BiFunction<ByteBuffer, Boolean, T> read) {
    NDManager owner = array.getManager();
    try (NDManager scratch = owner.newSubManager()) {
      array.tempAttach(scratch);
      ByteBuffer bytes = array.toByteBuffer(true);
      boolean copied = !array.getDevice().equals(ai.djl.Device.cpu()) || scratch.getManagedArrays().size() > 1;
      return read.apply(bytes, copied);
    }
  }

  private static ByteBuffer heapCopy(ByteBuffer bytes) {
    ByteBuffer copy = ByteBuffer.allocate(bytes.remaining()).order(ByteOrder.LITTLE_ENDIAN);
    copy.put(bytes.order(ByteOrder.LITTLE_ENDIAN));
    copy.flip();
    return copy;
  }

  /**
   * A new array in {@code manager} holding a copy of {@code tensor}. On the CPU the array computes on
   * memory from {@link NativeBuffers}, aligned as the engine's own tensors are.
   */
  public static NDArray toArray(NDManager manager, Tensor tensor) {
    ByteBuffer src = tensor.data();
    ByteBuffer direct = NativeBuffers.allocate(src.remaining());
    direct.put(src);
    direct.flip();
    return manager.create(direct, new Shape(tensor.shape()), dataTypeOf(tensor.dtype()));
  }

  /**
   * Copies {@code tensor}'s elements into an existing array of the same dtype and shape, in place.
   *
   * @throws IllegalArgumentException naming {@code name} when dtype or shape differ
   */
  public static void copyInto(String name, Tensor tensor, NDArray target) {
    DType want = dtypeOf(target.getDataType());
    long[] shape = target.getShape().getShape();
    checkArgument(tensor.dtype() == want && java.util.Arrays.equals(tensor.shape(), shape),
        "tensor '%s' is %s%s but the model expects %s%s", name, tensor.dtype(),
        java.util.Arrays.toString(tensor.shape()), want, java.util.Arrays.toString(shape));
    ByteBuffer src = tensor.data();
    ByteBuffer direct;
    // a 0-d array takes over the buffer's memory (copyBytes), so it must get memory of its own,
    // never the tensor's: the model's updates would otherwise write into the immutable tensor
    if (src.isDirect() && shape.length > 0) {
      direct = src.slice().order(ByteOrder.nativeOrder()); // read only, for the copy below
    } else {
      direct = NativeBuffers.allocate(src.remaining());
      direct.put(src);
      direct.flip();
    }
    copyBytes(direct, target);
  }

  /**
   * Copies native-order bytes from a direct buffer into {@code target} (same element count and
   * type) natively, in place: the array keeps its own memory. ({@code NDArray.set(Buffer)} would
   * swap in the buffer's memory, through an engine path that prints a deprecation warning on a
   * process's first use.) Only a 0-d array, which cannot be indexed, takes that path.
   */
  public static void copyBytes(ByteBuffer direct, NDArray target) {
    checkArgument(direct.isDirect(), "copyBytes needs a direct buffer, got %s", direct);
    if (target.getShape().dimension() == 0) {
      target.set(direct);
      return;
    }
    try (NDArray source = target.getManager().create(direct, target.getShape(), target.getDataType())) {
      target.set(ALL, source);
    }
  }

  /** The tensor dtype of a DJL data type. */
  public static DType dtypeOf(DataType type) {
    switch (type) {
      case FLOAT32:
        return DType.F32;
      case FLOAT64:
        return DType.F64;
      case FLOAT16:
        return DType.F16;
      case BFLOAT16:
        return DType.BF16;
      case INT64:
        return DType.I64;
      case INT32:
        return DType.I32;
      case INT8:
        return DType.I8;
      case UINT8:
        return DType.U8;
      case BOOLEAN:
        return DType.BOOL;
      default:
        throw new IllegalArgumentException("DJL data type " + type + " has no safetensors dtype");
    }
  }

  /** The DJL data type of a tensor dtype. */
  public static DataType dataTypeOf(DType dtype) {
    switch (dtype) {
      case F32:
        return DataType.FLOAT32;
      case F64:
        return DataType.FLOAT64;
      case F16:
        return DataType.FLOAT16;
      case BF16:
        return DataType.BFLOAT16;
      case I64:
        return DataType.INT64;
      case I32:
        return DataType.INT32;
      case I8:
        return DataType.INT8;
      case U8:
        return DataType.UINT8;
      case BOOL:
        return DataType.BOOLEAN;
      default:
        throw new AssertionError(dtype);
    }
  }
}
