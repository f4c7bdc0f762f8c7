package io.epochal.worker.bench;

import io.epochal.worker.data.DataShard;
import io.epochal.worker.round.BatchPlan;
import java.util.SplittableRandom;

/**
 * The benchmark's data: a shard of Gaussian features whose class is the argmax of the first
 * {@code classes} features, and the batches both training loops see, gathered in the order of
 * {@link BatchPlan#permutation}.
 */
final class BenchData {

  private final DataShard shard;
  private final int batch;
  private final float[] features;
  private final float[] labels;

  BenchData(int rows, int featureCount, int classes, int batch, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] x = new float[rows * featureCount];
    float[] y = new float[rows];
    for (int i = 0; i < rows; i++) {
      int best = 0;
      for (int f = 0; f < featureCount; f++) {
        x[i * featureCount + f] = (float) rng.nextGaussian();
        if (f < classes && x[i * featureCount + f] > x[i * featureCount + best]) {
          best = f;
        }
      }
      y[i] = best;
    }
    this.shard = new DataShard(0, rows, new long[] {featureCount}, 1, x, y);
    this.batch = batch;
    this.features = new float[batch * featureCount];
    this.labels = new float[batch];
  }

  DataShard shard() {
    return shard;
  }

  /** Full batches in one epoch. */
  int batchesPerEpoch() {
    return shard.rows() / batch;
  }

  /** Gathers batch {@code index} of {@code epoch} into {@link #features()} and {@link #labels()}. */
  void gather(int[] permutation, int index) {
    int fs = shard.featureSize();
    for (int i = 0; i < batch; i++) {
      int row = permutation[index * batch + i];
      System.arraycopy(shard.features(), row * fs, features, i * fs, fs);
      labels[i] = shard.labels()[row];
    }
  }

  float[] features() {
    return features;
  }

  float[] labels() {
    return labels;
  }
}
