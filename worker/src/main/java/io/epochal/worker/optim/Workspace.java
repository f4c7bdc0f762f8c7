package io.epochal.worker.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.HashMap;
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
  private final LinkedHashMap<Integer, NDArray> scalars = new LinkedHashMap<>(64, 0.75f, true) {
    private static final long serialVersionUID = 1L;

    @Override
    protected boolean removeEldestEntry(Map.Entry<Integer, NDArray> eldest) {
      if (size() > SCALARS_KEPT) {
        eldest.getValue().close();
        return true;
      }
      return false;
    }
  };

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

  /** A cached 0-d float32 array holding {@code value}. */
  NDArray scalar(float value) {
    int bits = Float.floatToRawIntBits(value);
    NDArray a = scalars.get(bits);
    if (a == null) {
      a = manager.create(value);
      scalars.put(bits, a);
    }
    return a;
  }

  /** Copies {@code src} into {@code dst} (same shape) natively and returns {@code dst}. */
  static NDArray copy(NDArray src, NDArray dst) {
    dst.set(ALL, src);
    return dst;
  }
}
