/**
 * The local training round: a pure function from (global state, hyperparameters, shard, epoch,
 * round, worker, seed, local steps) to the worker's new state and its metrics.
 */
package io.epochal.worker.round;
