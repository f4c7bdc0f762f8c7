/**
 * Input data: reading Parquet, CSV (with a header) or JSON from any Hadoop URI through Spark,
 * converting it once into one dense {@link io.epochal.worker.data.DataShard} per worker
 * ({@link io.epochal.driver.data.DatasetLoader}), and generating a learnable synthetic
 * classification dataset ({@link io.epochal.driver.data.DataGenerator}).
 *
 * <p>Sharding: good rows are numbered 0, 1, 2, ... by file path and, within a file, in file order
 * (or, for jobs created before {@code data.row_order}, in the order Spark reads the input); row
 * {@code i} goes to worker {@code i % W} and every worker keeps its rows in that order. The same
 * files give the same shards wherever they are stored. Csv and json lines Spark cannot read as a
 * row of the input's columns are bad rows ({@link io.epochal.driver.data.MalformedLines}).
 */
package io.epochal.driver.data;
