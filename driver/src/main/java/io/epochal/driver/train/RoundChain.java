package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.aggregate.NonFiniteStateException;
import io.epochal.driver.aggregate.WeightedAverager;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.device.DeviceAssignment;
import io.epochal.worker.round.EvaluationResult;
import io.epochal.worker.round.GradNorms;
import io.epochal.worker.round.LocalRound;
import io.epochal.worker.round.RoundResult;
import io.epochal.worker.round.TrainingConfig;
import java.util.ArrayList;
import java.util.List;

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
 * driver reports the round that produced it. It returns every round's result, so that the epoch adds
 * the rounds' sums one at a time as it does for rounds run one by one ({@link
 * io.epochal.driver.aggregate.RoundSums}).
 */
final class RoundChain {

  private RoundChain() {}

  /**
   * Runs {@code stepsBefore.length} rounds from {@code firstRound} of {@code epoch} on {@code shard},
   * round {@code firstRound + i} starting at global step {@code stepsBefore[i]}; returns the result of
   * each round that ran, in order (fewer than asked only when one was not finite). The last holds the
   * chain's state; the earlier ones hold their round's samples, steps and sums with an empty state,
   * since the round after each took its state in the task. Every round's schedule is created for base
   * rate {@code baseLr}.
   */
  static RoundResult[] run(TrainingConfig config, StateDict global, DataShard shard, int epoch, int firstRound,
      long[] stepsBefore, double baseLr, DeviceAssignment assignment) {
    checkNotNull(config, "config");
    checkNotNull(global, "global");
    checkNotNull(shard, "shard");
    checkArgument(stepsBefore.length >= 1, "a chain has at least one round, got %s", stepsBefore.length);
    List<RoundResult> ran = new ArrayList<>(stepsBefore.length);
    StateDict state = global;
    for (int i = 0; i < stepsBefore.length; i++) {
      RoundResult r = LocalRound.run(config, state, shard, epoch, firstRound + i, stepsBefore[i], baseLr,
          assignment);
      state = r.state();
      boolean more = i < stepsBefore.length - 1; // the last state is checked by the driver's averaging
      boolean stop = more && diverged(r, shard.worker());
      ran.add(more && !stop ? withoutState(r) : r);
      if (stop) {
        break;
      }
    }
    return ran.toArray(new RoundResult[0]);
  }

  /**
   * The chain's rounds {@code ran} as one result: the last round's state, the samples, steps, correct
   * rows, losses, absolute errors and clipping norms of all of them summed in round order.
   */
  static RoundResult combine(RoundResult[] ran) {
    checkArgument(ran.length >= 1, "a chain has at least one round, got %s", ran.length);
    long samples = 0;
    long steps = 0;
    double lossSum = 0;
    long correct = 0;
    double absErrorSum = 0; // NaN once a round did not measure it (classification)
    GradNorms norms = GradNorms.NONE;
    for (RoundResult r : ran) {
      samples += r.samples();
      steps += r.steps();
      lossSum += r.lossSum();
      correct = EvaluationResult.plusCorrect(correct, r.correct());
      absErrorSum += r.absErrorSum();
      norms = norms.plus(r.gradNorms());
    }
    RoundResult last = ran[ran.length - 1];
    return new RoundResult(last.worker(), samples, steps, lossSum, correct, norms, last.state())
        .withAbsoluteErrors(absErrorSum);
  }

  private static RoundResult withoutState(RoundResult r) {
    return new RoundResult(r.worker(), r.samples(), r.steps(), r.lossSum(), r.correct(), r.gradNorms(),
        StateDict.empty()).withAbsoluteErrors(r.absErrorSum());
  }

  /**
   * Whether round {@code r} of {@code worker} ends the chain: its loss, its gradients' clipped norm
   * (which can overflow while clipping keeps the weights finite) or its state is not finite.
   */
  static boolean diverged(RoundResult r, int worker) {
    return NonFiniteStateException.ofRound(worker, r.lossSum(), r.gradNorms())
        .isPresent() || !isFinite(worker, r.state());
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
