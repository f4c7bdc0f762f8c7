/**
 * Everything Spark- or Scala-shaped in Epochal, behind plain Java: starting a session with
 * Epochal's configuration ({@link io.epochal.driver.spark.SparkSessions}), running
 * {@code local-cluster} masters from a plain JVM ({@link io.epochal.driver.spark.LocalClusterSupport}),
 * the Kryo wire format of tensors, state dicts, data shards and round results
 * ({@link io.epochal.driver.spark.EpochalKryoRegistrator}), job labels and broadcasts
 * ({@link io.epochal.driver.spark.SparkJobs}), and a training job's progress as gauges of the
 * driver's metrics system ({@link io.epochal.driver.spark.TrainingMetrics}).
 */
package io.epochal.driver.spark;
