package io.epochal.worker.state;

import ai.djl.ndarray.NDArray;
import java.util.function.Function;

/** Reads of an array through the engine's heap-copying path, for proving that {@link EngineHeapReads} finds them. */
final class HeapCopyingReads {

  static final Function<NDArray, Float> IN_A_LAMBDA = a -> a.getFloat(0);

  private HeapCopyingReads() {}

  static float[] direct(NDArray a) {
    return a.toFloatArray();
  }

  static java.nio.ByteBuffer bytes(NDArray a) {
    return a.toByteBuffer();
  }

  static java.nio.ByteBuffer view(NDArray a) {
    return a.toByteBuffer(true);
  }
}
