/**
 * The code that runs inside a Spark task and trains: model registry, DJL model to state dict,
 * Epochal's optimizers and schedules, the local training round and the probe.
 */
package io.epochal.worker;
