/**
 * Input data: reading Parquet, CSV (with a header) or JSON from any Hadoop URI through Spark,
 * converting it once into one dense {@link io.epochal.worker.data.DataShard} per worker
 * ({@link io.epochal.driver.data.DatasetLoader}), and generating a learnable synthetic
 * classification dataset ({@link io.epochal.driver.data.DataGenerator}).
 *
 * <p>Sharding: rows are numbered 0, 1, 2, ... in the order Spark reads the input (its file
 * partitions in order, rows in file order within each); row {@code i} goes to worker
 * {@code i % W} and every worker keeps its rows in that order. The same input and Spark settings
 * give the same shards.
 */
package io.epochal.driver.data;
