package io.epochal.worker.state;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.tensor.DType;
import io.epochal.tensor.Tensor;
import java.util.Arrays;

/** The layout a model expects of one state-dict tensor: dtype and shape. Immutable. */
public final class TensorSpec {

  private final DType dtype;
  private final long[] shape;

  /** A spec of {@code dtype} and {@code shape} ({@code []} for a 0-d tensor). */
  public TensorSpec(DType dtype, long[] shape) {
    this.dtype = checkNotNull(dtype, "dtype");
    this.shape = checkNotNull(shape, "shape").clone();
  }

  /** The layout of {@code tensor}. */
  public static TensorSpec of(Tensor tensor) {
    return new TensorSpec(tensor.dtype(), tensor.shape());
  }

  /** The dtype. */
  public DType dtype() {
    return dtype;
  }

  /** A copy of the shape. */
  public long[] shape() {
    return shape.clone();
  }

  /** Whether {@code tensor} has exactly this dtype and shape. */
  public boolean matches(Tensor tensor) {
    return tensor.dtype() == dtype && Arrays.equals(tensor.shape(), shape);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorSpec && dtype == ((TensorSpec) o).dtype
        && Arrays.equals(shape, ((TensorSpec) o).shape);
  }

  @Override
  public int hashCode() {
    return dtype.hashCode() * 31 + Arrays.hashCode(shape);
  }

  /** E.g. {@code F32[256, 64]}. */
  @Override
  public String toString() {
    return dtype + Arrays.toString(shape);
  }
}
