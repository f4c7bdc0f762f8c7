package io.epochal.worker.round;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.state.NativeBuffers;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A round's batch input: permuted rows gathered into two direct buffers allocated once per round,
 * from which every step's features and labels arrays are made.
 *
 * <p>Making the step's arrays from Java arrays instead would allocate a fresh direct buffer per
 * array and step, which only a garbage collection frees: the process then keeps touching new
 * native pages (thousands of page faults per round) and a round's time swings by a fifth with the
 * collector's rhythm. An array made from a direct buffer on the CPU uses the buffer's memory
 * (PyTorch's {@code from_blob}); on a GPU it is copied to the device. Either way a step's arrays
 * are used up (forward and backward) before the next step gathers its rows into the buffers.
 */
final class BatchInput {

  private final DataShard shard;
  private final int batchSize;
  private final ByteBuffer featureBytes;
  private final ByteBuffer labelBytes;
  private final FloatBuffer features;
  private final FloatBuffer labels;
  /** The gathered rows' weights, when the shard has them; else null. */
  private final float[] weights;
  private int rows;

  /**
   * Buffers for batches of up to {@code batchSize} rows of {@code shard}: of no more rows than the
   * shard holds, since no batch takes more (a batch size larger than a shard is allowed, and the
   * shard's own arrays bound these to a Java array's size).
   */
  BatchInput(DataShard shard, int batchSize) {
    this.shard = shard;
    this.batchSize = batchSize;
    int capacity = Math.min(batchSize, shard.rows());
    this.featureBytes = direct(capacity * shard.featureSize());
    this.labelBytes = direct(capacity * shard.labelWidth());
    this.features = featureBytes.asFloatBuffer();
    this.labels = labelBytes.asFloatBuffer();
    this.weights = shard.weighted() ? new float[capacity] : null;
  }

  /** Gathers rows {@code perm[start..end)} of the shard (at most the batch size). */
  void fill(int[] perm, int start, int end) {
    int fs = shard.featureSize();
    int lw = shard.labelWidth();
    float[] srcF = shard.features();
    float[] srcL = shard.labels();
    float[] srcW = shard.weights();
    features.clear();
    labels.clear();
    for (int i = start; i < end; i++) {
      int row = perm[i];
      features.put(srcF, row * fs, fs);
      labels.put(srcL, row * lw, lw);
      if (weights != null) {
        weights[i - start] = srcW[row];
      }
    }
    rows = end - start;
  }

  /** The gathered features, {@code [n, featureShape...]}, as an array of {@code stepManager}. */
  NDArray features(NDManager stepManager) {
    ByteBuffer bytes = view(featureBytes, rows * shard.featureSize());
    return stepManager.create(bytes, new Shape(shape(rows, shard.featureShape())), DataType.FLOAT32);
  }

  /** The gathered labels, {@code [n]} or {@code [n, labelWidth]}, as an array of {@code stepManager}. */
  NDArray labels(NDManager stepManager) {
    ByteBuffer bytes = view(labelBytes, rows * shard.labelWidth());
    Shape s = shard.labelWidth() == 1 ? new Shape(rows) : new Shape(rows, shard.labelWidth());
    return stepManager.create(bytes, s, DataType.FLOAT32);
  }

  /** The gathered rows' sample weights ({@code data.weight}), or null when the shard's rows weigh the same. */
  float[] weights() {
    return weights == null ? null : Arrays.copyOf(weights, rows);
  }

  /** The sum of the weights of rows {@code perm[start..end)} of {@code shard}; 0 when its rows have none. */
  static double weightOf(DataShard shard, int[] perm, int start, int end) {
    float[] w = shard.weights();
    double sum = 0;
    for (int i = start; w != null && i < end; i++) {
      sum += w[perm[i]];
    }
    return sum;
  }

  /** The first {@code floats} values of {@code buffer}, as a direct buffer over the same memory. */
  private static ByteBuffer view(ByteBuffer buffer, int floats) {
    return buffer.slice(0, floats * Float.BYTES).order(ByteOrder.nativeOrder());
  }

  /** Memory on the engine's alignment ({@link NativeBuffers}): the arrays compute on it in place. */
  private static ByteBuffer direct(int floats) {
    return NativeBuffers.allocateFloats(floats);
  }

  private static long[] shape(int n, long[] featureShape) {
    long[] s = new long[featureShape.length + 1];
    s[0] = n;
    System.arraycopy(featureShape, 0, s, 1, featureShape.length);
    return s;
  }

  @Override
  public String toString() {
    return "BatchInput[" + batchSize + " x " + Arrays.toString(shard.featureShape()) + "]";
  }
}
