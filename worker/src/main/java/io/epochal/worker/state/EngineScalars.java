package io.epochal.worker.state;

import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Constants for computations that autograd records, as 0-d float32 arrays whose memory the engine
 * owns.
 *
 * <p>DJL turns a Java number argument ({@code array.mul(0.5f)}) into a 0-d array made over a direct
 * buffer ({@code from_blob}: the memory stays the buffer's) and closes that array as soon as the
 * operation returns. Autograd keeps the constant for backward ({@code a * c} needs {@code c} to
 * compute the gradient of {@code a}), but nothing on the Java side keeps the buffer: once a garbage
 * collection finds it unreachable, its memory is freed, and a backward that runs after that reads
 * freed memory. Now and then a batch's gradient came out scaled by garbage (a gradient-accumulated
 * step lost one batch's gradient in this way). The arrays made here are filled by the engine in
 * memory it allocates and counts references to, so the recorded graph keeps the constant alive on
 * its own and an array may be closed right after use. The same holds for arrays of weights made
 * from Java arrays ({@link #copyOf}): {@code manager.create(float[])} is such a view of a direct
 * buffer too, which its Java array object keeps alive only until it is closed.
 */
public final class EngineScalars {

  private EngineScalars() {}

  /**
   * A 0-d float32 array holding {@code value} exactly, in {@code like}'s manager and on its
   * device, in memory the engine owns.
   */
  public static NDArray of(NDArray like, float value) {
    checkNotNull(like, "like");
    return like.getManager().full(new Shape(), value, DataType.FLOAT32);
  }

  /**
   * {@code array * factor}, recorded by autograd like {@code array.mul(factor)} and computing the
   * same bits, with the factor kept in engine-owned memory until backward has read it.
   */
  public static NDArray times(NDArray array, float factor) {
    checkNotNull(array, "array");
    try (NDArray constant = of(array, factor)) {
      return array.mul(constant);
    }
  }

  /**
   * A float32 array of {@code shape} holding {@code values}, in {@code manager} on its device, in
   * memory the engine owns: a copy of the direct buffer DJL makes the values into, which is closed
   * before this returns. Autograd may keep it for backward after the caller has closed it.
   */
  public static NDArray copyOf(NDManager manager, float[] values, Shape shape) {
    checkNotNull(manager, "manager");
    checkNotNull(values, "values");
    try (NDArray view = manager.create(values, shape)) {
      return view.duplicate();
    }
  }
}
