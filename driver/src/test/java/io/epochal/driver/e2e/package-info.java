/**
 * End-to-end tests: data generated on Spark, training through {@link io.epochal.driver.train.TrainingJob}
 * and the {@code epochal} command in-process, checkpoints verified on the local file system and on
 * HDFS, resume equivalence, refused hyperparameter changes and non-finite states.
 */
package io.epochal.driver.e2e;
