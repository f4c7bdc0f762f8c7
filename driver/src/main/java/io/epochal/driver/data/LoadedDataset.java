package io.epochal.driver.data;

import static com.google.common.base.Preconditions.checkArgument;

import io.epochal.worker.data.DataShard;
import org.apache.spark.api.java.JavaRDD;

/**
 * The input converted into one {@link DataShard} per worker: an RDD with exactly {@link #workers()}
 * partitions, partition {@code w} holding worker {@code w}'s shard, persisted (memory and disk) so
 * that epochs neither re-read nor re-parse the input. Also tells how many rows were used and how
 * many bad rows were skipped.
 */
public final class LoadedDataset {

  private final JavaRDD<DataShard> shards;
  private final long rows;
  private final long skippedRows;
  private final int featureSize;
  private final int workers;
  private final String digest;
  private final String firstSkipped;
  /** The rows' sample weights, or null when they weigh the same. */
  private final SampleWeightSummary weights;

  LoadedDataset(JavaRDD<DataShard> shards, long rows, long skippedRows, int featureSize, int workers,
      String digest, String firstSkipped, SampleWeightSummary weights) {
    this.shards = shards;
    this.rows = rows;
    this.skippedRows = skippedRows;
    this.featureSize = featureSize;
    this.workers = workers;
    this.digest = digest;
    this.firstSkipped = firstSkipped;
    this.weights = weights;
  }

  /** The shards, one per partition, partition {@code w} holding worker {@code w}'s shard. */
  public JavaRDD<DataShard> shards() {
    return shards;
  }

  /** Rows used for training (bad rows excluded). */
  public long rows() {
    return rows;
  }

  /** Bad rows skipped ({@code data.bad_rows=skip}); 0 otherwise. */
  public long skippedRows() {
    return skippedRows;
  }

  /** Where the first bad row skipped is and why it is bad ("row R of FILE: reason"); empty if none was. */
  public java.util.Optional<String> firstSkipped() {
    return java.util.Optional.ofNullable(firstSkipped);
  }

  /** What the rows' sample weights add up to ({@code data.weight}); empty when the rows weigh the same. */
  public java.util.Optional<SampleWeightSummary> weights() {
    return java.util.Optional.ofNullable(weights);
  }

  /** Features per row. */
  public int featureSize() {
    return featureSize;
  }

  /** Number of workers and of shards. */
  public int workers() {
    return workers;
  }

  /** Rows of worker {@code w}'s shard: every {@code W}-th row starting at row {@code w}. */
  public long rowsOf(int w) {
    checkArgument(w >= 0 && w < workers, "worker %s is not in [0, %s)", w, workers);
    return rows / workers + (w < rows % workers ? 1 : 0);
  }

  /**
   * SHA-256 hex of the rows as the workers hold them (each shard's rows, features and labels, in
   * worker order): equal for the same rows however Spark split the input, different when any value,
   * the row order or the row count differs.
   */
  public String digest() {
    return digest;
  }

  /**
   * How many rows hold each class index in {@code [0, classes)}: a classification's labels counted on the executors
   * from the cached shards, shard by shard ({@link DataShard#classCounts}), and added up here.
   */
  public long[] classCounts(int classes) {
    checkArgument(classes >= 1, "classes must be >= 1, got %s", classes);
    long[] total = new long[classes];
    for (long[] counts : shards.map(shard -> shard.classCounts(classes)).collect()) {
      for (int c = 0; c < classes; c++) {
        total[c] += counts[c];
      }
    }
    return total;
  }

  /** Releases the cached shards. */
  public void unpersist() {
    if (!shards.context().isStopped()) { // a stopped context freed them, and would throw over the failure at hand
      shards.unpersist(false);
    }
  }

  @Override
  public String toString() {
    return "LoadedDataset[" + rows + " rows (" + skippedRows + " skipped), " + featureSize + " features, "
        + workers + " shards]";
  }
}
