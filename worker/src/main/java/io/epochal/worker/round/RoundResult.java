package io.epochal.worker.round;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.tensor.StateDict;
import java.util.Objects;

/**
 * What one worker returns from a round: its state after the local steps (model tensors and
 * optimizer tensors in one state dict, optimizer names prefixed with {@code optimizer.}) and its
 * metrics. Immutable; it crosses from executor to driver.
 */
public final class RoundResult {

  private final int worker;
  private final long samples;
  private final long steps;
  private final double lossSum;
  private final long correct;
  private final GradNorms gradNorms;
  private final StateDict state;
  /** The samples' absolute errors summed (each sample's mean over its outputs); NaN when not measured. */
  private final double absErrorSum;

  /** A result without correct predictions counted ({@link EvaluationResult#NOT_COUNTED}). */
  public RoundResult(int worker, long samples, long steps, double lossSum, StateDict state) {
    this(worker, samples, steps, lossSum, EvaluationResult.NOT_COUNTED, state);
  }

  /**
   * A result; {@code samples == 0} means the worker had no data left this round.
   *
   * @param correct samples whose training-mode output predicted their class, counted before each
   *     step (classification), or {@link EvaluationResult#NOT_COUNTED}
   */
  public RoundResult(int worker, long samples, long steps, double lossSum, long correct, StateDict state) {
    this(worker, samples, steps, lossSum, correct, GradNorms.NONE, state);
  }

  /**
   * A result with what gradient clipping saw in the round's steps ({@link GradNorms#NONE} without
   * {@code train.clip_grad_norm}).
   */
  public RoundResult(int worker, long samples, long steps, double lossSum, long correct, GradNorms gradNorms,
      StateDict state) {
    checkArgument(worker >= 0, "worker must be >= 0, got %s", worker);
    checkArgument(samples >= 0 && steps >= 0, "samples %s and steps %s must be >= 0", samples, steps);
    checkArgument(correct == EvaluationResult.NOT_COUNTED || (correct >= 0 && correct <= samples),
        "correct %s must be in [0, samples %s] or NOT_COUNTED", correct, samples);
    this.worker = worker;
    this.samples = samples;
    this.steps = steps;
    this.lossSum = lossSum;
    this.correct = correct;
    this.gradNorms = checkNotNull(gradNorms, "gradNorms");
    this.state = checkNotNull(state, "state");
    this.absErrorSum = Double.NaN;
  }

  private RoundResult(RoundResult r, double absErrorSum) {
    this.worker = r.worker;
    this.samples = r.samples;
    this.steps = r.steps;
    this.lossSum = r.lossSum;
    this.correct = r.correct;
    this.gradNorms = r.gradNorms;
    this.state = r.state;
    this.absErrorSum = absErrorSum;
  }

  /**
   * This result with a regression's {@code absErrorSum}: the sum over the samples of {@code |output - label|} (each
   * sample's mean over its outputs), its training-mode output before the step its batch took.
   */
  public RoundResult withAbsoluteErrors(double absErrorSum) {
    return new RoundResult(this, absErrorSum);
  }

  /** The worker index. */
  public int worker() {
    return worker;
  }

  /** Samples trained on in this round (the averaging weight). */
  public long samples() {
    return samples;
  }

  /** Local optimizer steps taken. */
  public long steps() {
    return steps;
  }

  /** Sum over the samples of the per-sample loss. */
  public double lossSum() {
    return lossSum;
  }

  /**
   * Samples whose output in training mode (before the step each one's batch took) had its largest
   * value, the first of equal ones, at their class; {@link EvaluationResult#NOT_COUNTED} for a loss
   * other than {@code softmax_cross_entropy}.
   */
  public long correct() {
    return correct;
  }

  /** Whether {@link #correct()} was counted (classification). */
  public boolean counted() {
    return correct != EvaluationResult.NOT_COUNTED;
  }

  /** The samples' absolute errors summed ({@link #withAbsoluteErrors}); NaN when not measured (classification). */
  public double absErrorSum() {
    return absErrorSum;
  }

  /** Whether the samples' absolute errors were measured (a regression loss). */
  public boolean measuredError() {
    return !Double.isNaN(absErrorSum);
  }

  /** What gradient clipping saw in the round's steps; {@link GradNorms#NONE} without clipping. */
  public GradNorms gradNorms() {
    return gradNorms;
  }

  /** The worker's state after the round. */
  public StateDict state() {
    return state;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof RoundResult)) {
      return false;
    }
    RoundResult r = (RoundResult) o;
    return worker == r.worker && samples == r.samples && steps == r.steps
        && Double.compare(lossSum, r.lossSum) == 0 && correct == r.correct && gradNorms.equals(r.gradNorms)
        && Double.compare(absErrorSum, r.absErrorSum) == 0 && state.equals(r.state);
  }

  @Override
  public int hashCode() {
    return Objects.hash(worker, samples, steps, lossSum, correct, gradNorms, absErrorSum, state);
  }

  @Override
  public String toString() {
    return "RoundResult[worker " + worker + ", samples " + samples + ", steps " + steps + ", lossSum "
        + lossSum + (counted() ? ", correct " + correct : "") + (measuredError() ? ", absErrorSum " + absErrorSum : "")
        + (gradNorms.steps() > 0 ? ", " + gradNorms : "")
        + ", " + state.size() + " tensors]";
  }
}
