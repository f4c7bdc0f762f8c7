package io.epochal.driver.aggregate;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.epochal.tensor.StateDict;
import io.epochal.worker.round.GradNorms;
import java.util.Arrays;
import java.util.Objects;

/**
 * One shard of one worker's round state, as it travels from the worker's task to the shard's
 * reducer (and, averaged, from the reducer to the driver): the worker's metrics, the tensors of
 * that shard (a tensor that {@link ShardPlan} split between shards as a range of its rows), and
 * each tensor's position in the full state dict and first row, so that the driver can put the
 * averaged shards back together in the original order.
 *
 * <p>Immutable. {@code worker} is {@link #AVERAGED} for a reducer's output.
 */
public final class ShardPiece {

  /** The worker index of an averaged piece. */
  public static final int AVERAGED = -1;

  private final int shard;
  private final int worker;
  private final long samples;
  private final long steps;
  private final double lossSum;
  private final long correct;
  private final GradNorms gradNorms;
  private final int contributors;
  private final int[] positions;
  private final long[] firstRows;
  private final StateDict state;
  private final RuntimeException failure;
  /** The worker's (or, averaged, the workers' summed) absolute errors; NaN when not measured. */
  private final double absErrorSum;

  /**
   * A piece.
   *
   * @param contributors number of workers with samples folded into this piece (1 or 0 for a
   *     worker's own piece)
   * @param positions each tensor's index in the full state dict, in {@code state}'s order
   */
  public ShardPiece(int shard, int worker, long samples, long steps, double lossSum, int contributors,
      int[] positions, StateDict state) {
    this(shard, worker, samples, steps, lossSum, io.epochal.worker.round.EvaluationResult.NOT_COUNTED, contributors,
        positions, state);
  }

  /**
   * A piece carrying the worker's correct predictions ({@code NOT_COUNTED} when not counted; summed
   * over the workers for an averaged piece).
   */
  public ShardPiece(int shard, int worker, long samples, long steps, double lossSum, long correct,
      int contributors, int[] positions, StateDict state) {
    this(shard, worker, samples, steps, lossSum, correct, GradNorms.NONE, contributors, positions, state);
  }

  /**
   * A piece carrying what gradient clipping saw ({@link GradNorms#NONE} without clipping; summed over
   * the workers for an averaged piece).
   */
  public ShardPiece(int shard, int worker, long samples, long steps, double lossSum, long correct,
      GradNorms gradNorms, int contributors, int[] positions, StateDict state) {
    this(shard, worker, samples, steps, lossSum, correct, gradNorms, contributors, positions,
        new long[checkNotNull(positions, "positions").length], state);
  }

  /**
   * A piece whose {@code i}-th tensor holds the rows from {@code firstRows[i]} of the tensor at
   * {@code positions[i]} (0 for a whole tensor).
   */
  public ShardPiece(int shard, int worker, long samples, long steps, double lossSum, long correct,
      GradNorms gradNorms, int contributors, int[] positions, long[] firstRows, StateDict state) {
    checkArgument(shard >= 0, "shard must be >= 0, got %s", shard);
    checkArgument(worker >= AVERAGED, "worker must be >= 0 (or AVERAGED), got %s", worker);
    checkArgument(samples >= 0 && steps >= 0, "samples %s and steps %s must be >= 0", samples, steps);
    checkNotNull(positions, "positions");
    checkNotNull(state, "state");
    checkNotNull(firstRows, "firstRows");
    checkArgument(positions.length == state.size() && firstRows.length == state.size(),
        "shard %s: %s positions and %s first rows for %s tensors", shard, positions.length, firstRows.length,
        state.size());
    this.shard = shard;
    this.worker = worker;
    this.samples = samples;
    this.steps = steps;
    this.lossSum = lossSum;
    this.correct = correct;
    this.gradNorms = checkNotNull(gradNorms, "gradNorms");
    this.contributors = contributors;
    this.positions = positions.clone();
    this.firstRows = firstRows.clone();
    this.state = state;
    this.failure = null;
    this.absErrorSum = Double.NaN;
  }

  private ShardPiece(ShardPiece p, double absErrorSum) {
    this.shard = p.shard;
    this.worker = p.worker;
    this.samples = p.samples;
    this.steps = p.steps;
    this.lossSum = p.lossSum;
    this.correct = p.correct;
    this.gradNorms = p.gradNorms;
    this.contributors = p.contributors;
    this.positions = p.positions;
    this.firstRows = p.firstRows;
    this.state = p.state;
    this.failure = p.failure;
    this.absErrorSum = absErrorSum;
  }

  /** This piece carrying a regression's absolute errors summed over the samples (NaN: not measured). */
  public ShardPiece withAbsoluteErrors(double absErrorSum) {
    return new ShardPiece(this, absErrorSum);
  }

  /**
   * The absolute errors summed over the samples ({@link io.epochal.worker.round.RoundResult#absErrorSum()}); NaN when
   * not measured.
   */
  public double absErrorSum() {
    return absErrorSum;
  }

  private ShardPiece(int shard, RuntimeException failure) {
    this.shard = shard;
    this.worker = AVERAGED;
    this.samples = 0;
    this.steps = 0;
    this.lossSum = 0;
    this.correct = io.epochal.worker.round.EvaluationResult.NOT_COUNTED;
    this.gradNorms = GradNorms.NONE;
    this.contributors = 0;
    this.positions = new int[0];
    this.firstRows = new long[0];
    this.state = StateDict.empty();
    this.failure = failure;
    this.absErrorSum = Double.NaN;
  }

  /**
   * A reducer's failure carried back as data, so that the driver rethrows it as itself (a task
   * exception reaches the driver only as text) and a deterministic failure is not retried.
   * Only {@link NonFiniteStateException} and {@link IllegalArgumentException} are carried.
   */
  public static ShardPiece failed(int shard, RuntimeException failure) {
    checkArgument(failure instanceof NonFiniteStateException || failure instanceof IllegalArgumentException,
        "only NonFiniteStateException or IllegalArgumentException are carried, got %s", failure);
    return new ShardPiece(shard, failure);
  }

  /** The reducer's failure, or {@code null} for a piece with data. */
  public RuntimeException failure() {
    return failure;
  }

  /** The shard index. */
  public int shard() {
    return shard;
  }

  /** The worker index, or {@link #AVERAGED}. */
  public int worker() {
    return worker;
  }

  /** Samples behind this piece (summed over workers for an averaged piece). */
  public long samples() {
    return samples;
  }

  /** Local steps (the maximum over contributing workers for an averaged piece). */
  public long steps() {
    return steps;
  }

  /** Loss sum (summed over workers, in worker order, for an averaged piece). */
  public double lossSum() {
    return lossSum;
  }

  /** Correct predictions (summed over workers for an averaged piece); negative when not counted. */
  public long correct() {
    return correct;
  }

  /** What gradient clipping saw (summed over workers for an averaged piece). */
  public GradNorms gradNorms() {
    return gradNorms;
  }

  /** Workers with samples folded into this piece. */
  public int contributors() {
    return contributors;
  }

  /** A copy of the tensors' positions in the full state dict. */
  public int[] positions() {
    return positions.clone();
  }

  /** Position of this piece's {@code i}-th tensor in the full state dict. */
  public int position(int i) {
    return positions[i];
  }

  /** A copy of the tensors' first rows in their full tensors (0 for a whole tensor). */
  public long[] firstRows() {
    return firstRows.clone();
  }

  /** The first row in its full tensor of this piece's {@code i}-th tensor (0 for a whole tensor). */
  public long firstRow(int i) {
    return firstRows[i];
  }

  /** The tensors of this shard. */
  public StateDict state() {
    return state;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ShardPiece)) {
      return false;
    }
    ShardPiece p = (ShardPiece) o;
    return shard == p.shard && worker == p.worker && samples == p.samples && steps == p.steps
        && Double.compare(lossSum, p.lossSum) == 0 && correct == p.correct && gradNorms.equals(p.gradNorms)
        && contributors == p.contributors
        && Arrays.equals(positions, p.positions) && Arrays.equals(firstRows, p.firstRows) && state.equals(p.state)
        && Double.compare(absErrorSum, p.absErrorSum) == 0
        && Objects.equals(failure == null ? null : failure.getMessage(),
            p.failure == null ? null : p.failure.getMessage());
  }

  @Override
  public int hashCode() {
    return Objects.hash(shard, worker, samples, steps, lossSum, correct, contributors, state)
        + 31 * Arrays.hashCode(positions) + 961 * Arrays.hashCode(firstRows);
  }

  @Override
  public String toString() {
    if (failure != null) {
      return "ShardPiece[shard " + shard + ", failed: " + failure.getMessage() + "]";
    }
    return "ShardPiece[shard " + shard + ", worker " + (worker == AVERAGED ? "averaged" : worker)
        + ", samples " + samples + ", " + state.size() + " tensors, " + state.totalBytes() + " bytes]";
  }

  /** Kryo wire format: the fields in order, positions and first rows as varints, the state last. */
  public static final class KryoSerializer extends Serializer<ShardPiece> {

    /** A serializer for immutable pieces. */
    public KryoSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, ShardPiece p) {
      output.writeVarInt(p.shard, true);
      if (p.failure instanceof NonFiniteStateException) {
        NonFiniteStateException e = (NonFiniteStateException) p.failure;
        output.writeByte(1);
        output.writeVarInt(e.worker(), false);
        output.writeString(e.tensor());
        output.writeVarLong(e.index(), true);
        output.writeDouble(e.value());
        output.writeString(e.getMessage()); // a loss's or a gradient norm's failure words it its own way
        return;
      }
      if (p.failure != null) {
        output.writeByte(2);
        output.writeString(p.failure.getMessage());
        return;
      }
      output.writeByte(0);
      output.writeVarInt(p.worker, false);
      output.writeVarLong(p.samples, true);
      output.writeVarLong(p.steps, true);
      output.writeDouble(p.lossSum);
      output.writeVarLong(p.correct + 1, true); // NOT_COUNTED (-1) as 0
      GradNormsWire.write(output, p.gradNorms);
      output.writeDouble(p.absErrorSum);
      output.writeVarInt(p.contributors, true);
      output.writeVarInt(p.positions.length, true);
      for (int pos : p.positions) {
        output.writeVarInt(pos, true);
      }
      for (long row : p.firstRows) {
        output.writeVarLong(row, true);
      }
      kryo.writeObject(output, p.state);
    }

    @Override
    public ShardPiece read(Kryo kryo, Input input, Class<ShardPiece> type) {
      int shard = input.readVarInt(true);
      byte kind = input.readByte();
      if (kind == 1) {
        return new ShardPiece(shard, NonFiniteStateException.restore(input.readVarInt(false),
            input.readString(), input.readVarLong(true), input.readDouble(), input.readString()));
      }
      if (kind == 2) {
        return new ShardPiece(shard, new IllegalArgumentException(input.readString()));
      }
      int worker = input.readVarInt(false);
      long samples = input.readVarLong(true);
      long steps = input.readVarLong(true);
      double lossSum = input.readDouble();
      long correct = input.readVarLong(true) - 1;
      GradNorms norms = GradNormsWire.read(input);
      double absErrorSum = input.readDouble();
      int contributors = input.readVarInt(true);
      int[] positions = new int[input.readVarInt(true)];
      for (int i = 0; i < positions.length; i++) {
        positions[i] = input.readVarInt(true);
      }
      long[] firstRows = new long[positions.length];
      for (int i = 0; i < firstRows.length; i++) {
        firstRows[i] = input.readVarLong(true);
      }
      StateDict state = kryo.readObject(input, StateDict.class);
      return new ShardPiece(shard, worker, samples, steps, lossSum, correct, norms, contributors, positions,
          firstRows, state).withAbsoluteErrors(absErrorSum);
    }
  }
}
