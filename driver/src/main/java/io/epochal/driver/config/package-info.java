/**
 * The job spec: the declared keys of a job file ({@link io.epochal.driver.config.JobKeys}), the
 * merge of the job file, Spark conf and command-line overrides
 * ({@link io.epochal.driver.config.JobSpecResolver}), validation against the model catalog
 * ({@link io.epochal.driver.config.ModelCatalog}) and the immutable, typed result
 * ({@link io.epochal.driver.config.JobSpec}).
 */
package io.epochal.driver.config;
