package io.epochal.driver.aggregate;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.tensor.StateDict;
import io.epochal.worker.round.RoundResult;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of one round's aggregation: the next global state and the round's metrics summed
 * over the workers. Immutable.
 */
public final class AggregateResult {

  private final StateDict state;
  private final long samples;
  private final long steps;
  private final double lossSum;
  private final long correct;
  private final io.epochal.worker.round.GradNorms gradNorms;
  private final int contributors;
  /** The workers' absolute errors summed (a regression's); NaN when not measured. */
  private final double absErrorSum;
  /** The sums of each round it covers, in round order; null: one round, whose sums are this result's. */
  private final List<RoundSums> rounds;

  /**
   * A result.
   *
   * @param steps the largest number of local steps any worker took (how far the global state
   *     advanced in synchronous steps)
   * @param contributors number of workers that had samples
   */
  public AggregateResult(StateDict state, long samples, long steps, double lossSum, int contributors) {
    this(state, samples, steps, lossSum, io.epochal.worker.round.EvaluationResult.NOT_COUNTED, contributors);
  }

  /**
   * A result with the workers' correct predictions summed ({@link RoundResult#correct()}), or
   * {@code NOT_COUNTED}.
   */
  public AggregateResult(StateDict state, long samples, long steps, double lossSum, long correct,
      int contributors) {
    this(state, samples, steps, lossSum, correct, io.epochal.worker.round.GradNorms.NONE, contributors);
  }

  /** A result with what gradient clipping saw in every worker's steps ({@code GradNorms.NONE} without it). */
  public AggregateResult(StateDict state, long samples, long steps, double lossSum, long correct,
      io.epochal.worker.round.GradNorms gradNorms, int contributors) {
    this.gradNorms = checkNotNull(gradNorms, "gradNorms");
    this.state = checkNotNull(state, "state");
    checkArgument(samples >= 0 && steps >= 0, "samples %s and steps %s must be >= 0", samples, steps);
    checkArgument(contributors >= 0, "contributors must be >= 0, got %s", contributors);
    this.samples = samples;
    this.steps = steps;
    this.lossSum = lossSum;
    this.correct = correct;
    this.contributors = contributors;
    this.absErrorSum = Double.NaN;
    this.rounds = null;
  }

  private AggregateResult(AggregateResult r, double absErrorSum, List<RoundSums> rounds) {
    this.gradNorms = r.gradNorms;
    this.state = r.state;
    this.samples = r.samples;
    this.steps = r.steps;
    this.lossSum = r.lossSum;
    this.correct = r.correct;
    this.contributors = r.contributors;
    this.absErrorSum = absErrorSum;
    this.rounds = rounds;
  }

  /** This result with the workers' absolute errors summed ({@link RoundResult#absErrorSum()}; NaN: not measured). */
  public AggregateResult withAbsoluteErrors(double absErrorSum) {
    return new AggregateResult(this, absErrorSum, rounds);
  }

  /**
   * This result as the outcome of several consecutive rounds (a single worker's chain), {@code rounds}
   * their sums in round order, which an epoch adds one at a time ({@link RoundSums}).
   */
  public AggregateResult withRoundSums(List<RoundSums> rounds) {
    checkArgument(!rounds.isEmpty(), "a result covers at least one round");
    return new AggregateResult(this, absErrorSum, List.copyOf(rounds));
  }

  /** The sums of each round this result covers, in round order: one entry, its own, for a single round. */
  public List<RoundSums> roundSums() {
    return rounds != null ? rounds : List.of(new RoundSums(lossSum, absErrorSum, gradNorms));
  }

  /** The samples' absolute errors summed over the workers; NaN when not measured (classification). */
  public double absErrorSum() {
    return absErrorSum;
  }

  /** What gradient clipping saw in the workers' steps, summed; {@code GradNorms.NONE} without clipping. */
  public io.epochal.worker.round.GradNorms gradNorms() {
    return gradNorms;
  }

  /** The averaged global state. */
  public StateDict state() {
    return state;
  }

  /** Samples trained on over all workers. */
  public long samples() {
    return samples;
  }

  /** The largest number of local steps taken by a worker. */
  public long steps() {
    return steps;
  }

  /** Sum of the per-sample losses over all workers (summed in worker order). */
  public double lossSum() {
    return lossSum;
  }

  /** Mean loss per sample, or NaN when there were no samples. */
  public double meanLoss() {
    return samples == 0 ? Double.NaN : lossSum / samples;
  }

  /**
   * Samples whose training-mode output predicted their class, summed over the workers; {@code
   * NOT_COUNTED} (negative) when not counted (a loss other than softmax_cross_entropy).
   */
  public long correct() {
    return correct;
  }

  /** Workers that had samples. */
  public int contributors() {
    return contributors;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof AggregateResult)) {
      return false;
    }
    AggregateResult r = (AggregateResult) o;
    return samples == r.samples && steps == r.steps && Double.compare(lossSum, r.lossSum) == 0
        && correct == r.correct && contributors == r.contributors && Double.compare(absErrorSum, r.absErrorSum) == 0
        && roundSums().equals(r.roundSums()) && state.equals(r.state);
  }

  @Override
  public int hashCode() {
    return Objects.hash(state, samples, steps, lossSum, correct, contributors);
  }

  @Override
  public String toString() {
    return "AggregateResult[samples " + samples + ", steps " + steps + ", lossSum " + lossSum
        + ", contributors " + contributors + ", " + state.size() + " tensors]";
  }
}
