package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.aggregate.NonFiniteStateException;
import io.epochal.driver.aggregate.WeightedAverager;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.device.DeviceAssignment;
import io.epochal.worker.round.LocalRound;
import io.epochal.worker.round.RoundResult;
import io.epochal.worker.round.TrainingConfig;

/**
 * Consecutive rounds of a job with a single worker, run inside one Spark task.
 *
 * <p>Averaging the states of one worker is the identity, so the global state after a round is that
 * worker's state, and running rounds {@code r..r+n-1} back to back in the task gives the same bits
 * as running each as its own Spark job: every round still derives its seeds from (job seed, epoch,
 * round, worker) and positions its schedule at its own global step. What changes is the cost: one
 * broadcast, one task and one result per chain instead of per round.
 *
 * <p>The chain stops after the first round whose loss or state holds NaN or infinity, so the
 * driver reports the round that produced it.
 */
final class RoundChain {

  private RoundChain() {}

  /**
   * Runs {@code stepsBefore.length} rounds from {@code firstRound} of {@code epoch} on {@code shard},
   * round {@code firstRound + i} starting at global step {@code stepsBefore[i]}; returns one result
   * with the last state and the summed samples, steps and loss of the rounds that ran (fewer than
   * asked only when one was not finite). Every round's schedule is created for base rate {@code baseLr}.
   */
  static RoundResult run(TrainingConfig config, StateDict global, DataShard shard, int epoch, int firstRound,
      long[] stepsBefore, double baseLr, DeviceAssignment assignment) {
    checkNotNull(config, "config");
    checkNotNull(global, "global");
    checkNotNull(shard, "shard");
    checkArgument(stepsBefore.length >= 1, "a chain has at least one round, got %s", stepsBefore.length);
    StateDict state = global;
    long samples = 0;
    long steps = 0;
    double lossSum = 0;
    long correct = 0;
    double absErrorSum = 0; // NaN once a round did not measure it (classification)
    io.epochal.worker.round.GradNorms norms = io.epochal.worker.round.GradNorms.NONE;
    for (int i = 0; i < stepsBefore.length; i++) {
      RoundResult r = LocalRound.run(config, state, shard, epoch, firstRound + i, stepsBefore[i], baseLr,
          assignment);
      state = r.state();
      samples += r.samples();
      steps += r.steps();
      lossSum += r.lossSum();
      correct = io.epochal.worker.round.EvaluationResult.plusCorrect(correct, r.correct());
      absErrorSum += r.absErrorSum();
      norms = norms.plus(r.gradNorms());
      boolean more = i < stepsBefore.length - 1; // the last state is checked by the driver's averaging
      if (more && (!Double.isFinite(r.lossSum()) || !isFinite(shard.worker(), state))) {
        break;
      }
    }
    return new RoundResult(shard.worker(), samples, steps, lossSum, correct, norms, state)
        .withAbsoluteErrors(absErrorSum);
  }

  private static boolean isFinite(int worker, StateDict state) {
    try {
      WeightedAverager.requireFinite(worker, state);
      return true;
    } catch (NonFiniteStateException e) {
      return false; // the driver's averaging reports it, naming the tensor and element
    }
  }
}
