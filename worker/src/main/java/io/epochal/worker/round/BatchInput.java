package io.epochal.worker.round;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.epochal.worker.data.DataShard;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * A round's batch input: permuted rows gathered into two direct buffers allocated once per round,
 * and a features and a labels array of the full batch shape that are pointed at those buffers
 * before every step ({@link NDArray#set(java.nio.Buffer)}, which on the CPU makes the array use the
 * buffer's memory without copying).
 *
 * <p>Creating the step's arrays from Java arrays instead would allocate a fresh direct buffer per
 * array and step, which only a garbage collection frees: the process then keeps touching new
 * native pages (thousands of page faults per round) and a round's time swings by a quarter with
 * the collector's rhythm. A last, shorter batch of an epoch gets arrays of its own shape.
 */
final class BatchInput implements AutoCloseable {

  private final DataShard shard;
  private final int batchSize;
  private final ByteBuffer featureBytes;
  private final ByteBuffer labelBytes;
  private final FloatBuffer features;
  private final FloatBuffer labels;
  private final NDArray x;
  private final NDArray y;
  private int rows;

  /** Buffers and arrays for batches of up to {@code batchSize} rows, owned by {@code manager}. */
  BatchInput(DataShard shard, int batchSize, NDManager manager) {
    this.shard = shard;
    this.batchSize = batchSize;
    this.featureBytes = direct(batchSize * shard.featureSize());
    this.labelBytes = direct(batchSize * shard.labelWidth());
    this.features = featureBytes.asFloatBuffer();
    this.labels = labelBytes.asFloatBuffer();
    this.x = manager.create(new Shape(shape(batchSize, shard.featureShape())), DataType.FLOAT32);
    this.y = manager.create(labelShape(batchSize), DataType.FLOAT32);
  }

  /** Gathers rows {@code perm[start..end)} of the shard. */
  void fill(int[] perm, int start, int end) {
    int fs = shard.featureSize();
    int lw = shard.labelWidth();
    float[] srcF = shard.features();
    float[] srcL = shard.labels();
    features.clear();
    labels.clear();
    for (int i = start; i < end; i++) {
      int row = perm[i];
      features.put(srcF, row * fs, fs);
      labels.put(srcL, row * lw, lw);
    }
    rows = end - start;
  }

  /**
   * The gathered features, {@code [n, featureShape...]}. The full-batch array is attached to
   * {@code stepManager} until it closes (DJL puts an operation's result in its input's manager, so
   * the step's intermediate arrays are freed with the step) and then returns to the round.
   */
  NDArray features(NDManager stepManager) {
    if (rows == batchSize) {
      x.set(featureBytes);
      x.tempAttach(stepManager);
      return x;
    }
    return stepManager.create(copy(features, rows * shard.featureSize()), new Shape(shape(rows, shard.featureShape())));
  }

  /** The gathered labels, {@code [n]} or {@code [n, labelWidth]}. */
  NDArray labels(NDManager stepManager) {
    if (rows == batchSize) {
      y.set(labelBytes);
      y.tempAttach(stepManager);
      return y;
    }
    return stepManager.create(copy(labels, rows * shard.labelWidth()), labelShape(rows));
  }

  /** Rows gathered by the last {@link #fill}. */
  int rows() {
    return rows;
  }

  private Shape labelShape(int n) {
    return shard.labelWidth() == 1 ? new Shape(n) : new Shape(n, shard.labelWidth());
  }

  private static float[] copy(FloatBuffer src, int len) {
    float[] out = new float[len];
    src.get(0, out);
    return out;
  }

  private static ByteBuffer direct(int floats) {
    return ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder());
  }

  static long[] shape(int n, long[] featureShape) {
    long[] s = new long[featureShape.length + 1];
    s[0] = n;
    System.arraycopy(featureShape, 0, s, 1, featureShape.length);
    return s;
  }

  @Override
  public void close() {
    x.close();
    y.close();
  }

  @Override
  public String toString() {
    return "BatchInput[" + batchSize + " x " + Arrays.toString(shard.featureShape()) + "]";
  }
}
