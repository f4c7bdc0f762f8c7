package io.epochal.worker.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.epochal.worker.state.NativeBuffers;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reusable native arrays for an optimizer's plain-operation updates, so that a step allocates no
 * parameter-sized temporaries: scratch arrays per parameter shape (filled by {@link #copy}) and
 * 0-d float32 scalars. Every array lives in the optimizer's state manager and is freed when the
 * optimizer closes.
 *
 * <p>A 0-d float32 scalar is exactly what {@code NDArray.muli(Number)} creates for its argument
 * (and frees again) on every call, so passing a cached one instead changes no result: torch casts
 * a Python scalar to the tensor's float type in the same way.
 */
final class Workspace {

  /** Most recently used scalars kept: the constants and the per-step coefficients of a few steps. */
  static final int SCALARS_KEPT = 32;

  private static final NDIndex ALL = new NDIndex("...");

  private final NDManager manager;
  private final Map<Shape, NDArray[]> scratch = new HashMap<>();
  private final LinkedHashMap<Integer, Scalar> scalars = new LinkedHashMap<>(64, 0.75f, true);

  /**
   * A cached 0-d array and the direct buffer it was made from. Each has its own buffer: on the CPU
   * the engine makes the array over the buffer's memory, so a buffer shared between arrays would
   * change them all. An evicted entry's array is closed and its buffer reused for the next value.
   */
  private record Scalar(NDArray array, ByteBuffer buffer) {}

  /** @param manager the optimizer's state manager, which owns (and frees) every array made here */
  Workspace(NDManager manager) {
    this.manager = manager;
  }

  /**
   * Scratch array number {@code slot} (0 or 1) of {@code like}'s shape, float32, created on first
   * use. Its content is whatever the last user left: fill it before reading.
   */
  NDArray scratch(NDArray like, int slot) {
    NDArray[] arrays = scratch.computeIfAbsent(like.getShape(), s -> new NDArray[2]);
    if (arrays[slot] == null) {
      arrays[slot] = manager.zeros(like.getShape(), DataType.FLOAT32);
    }
    return arrays[slot];
  }

  /**
   * A 0-d float32 array holding {@code v}, valid until {@link #SCALARS_KEPT} other values have been
   * asked for: use it right away. Values come from a cache; on a miss the least recently used entry
   * gives up its buffer, which takes the new value and a new array over it (no direct buffer is
   * allocated once the cache is full).
   */
  NDArray scalar(float v) {
    int bits = Float.floatToRawIntBits(v);
    Scalar s = scalars.get(bits);
    if (s == null) {
      ByteBuffer buffer;
      if (scalars.size() < SCALARS_KEPT) {
        buffer = NativeBuffers.allocate(Float.BYTES);
      } else {
        Iterator<Map.Entry<Integer, Scalar>> eldest = scalars.entrySet().iterator();
        Scalar old = eldest.next().getValue();
        eldest.remove();
        old.array().close();
        buffer = old.buffer();
      }
      buffer.putFloat(0, v);
      s = new Scalar(manager.create(buffer, new Shape(), DataType.FLOAT32), buffer);
      scalars.put(bits, s);
    }
    return s.array();
  }

  /** Copies {@code src} into {@code dst} (same shape) natively and returns {@code dst}. */
  static NDArray copy(NDArray src, NDArray dst) {
    dst.set(ALL, src);
    return dst;
  }
}
