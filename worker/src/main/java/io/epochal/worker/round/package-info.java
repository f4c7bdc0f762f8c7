/**
 * The local training round: a pure function from (global state, hyperparameters, shard, epoch,
 * round, worker, seed, local steps) to the worker's new state and its metrics; and the evaluation of
 * a state on held-out rows ({@link io.epochal.worker.round.LocalEvaluation}), whose results merge
 * exactly across workers ({@link io.epochal.worker.round.RegressionStats}, {@link
 * io.epochal.worker.round.ClassCounts}, {@link io.epochal.worker.round.BinaryScores}, {@link
 * io.epochal.worker.round.ClassScores}); the parameters a round does not train ({@link
 * io.epochal.worker.round.FrozenParameters}).
 */
package io.epochal.worker.round;
