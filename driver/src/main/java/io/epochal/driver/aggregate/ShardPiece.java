package io.epochal.driver.aggregate;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.epochal.tensor.StateDict;
import java.util.Arrays;
import java.util.Objects;

/**
 * One shard of one worker's round state, as it travels from the worker's task to the shard's
 * reducer (and, averaged, from the reducer to the driver): the worker's metrics, the tensors of
 * that shard, and each tensor's position in the full state dict so that the driver can put the
 * averaged shards back in the original order.
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
  private final int contributors;
  private final int[] positions;
  private final StateDict state;

  /**
   * A piece.
   *
   * @param contributors number of workers with samples folded into this piece (1 or 0 for a
   *     worker's own piece)
   * @param positions each tensor's index in the full state dict, in {@code state}'s order
   */
  public ShardPiece(int shard, int worker, long samples, long steps, double lossSum, int contributors,
      int[] positions, StateDict state) {
    checkArgument(shard >= 0, "shard must be >= 0, got %s", shard);
    checkArgument(worker >= AVERAGED, "worker must be >= 0 (or AVERAGED), got %s", worker);
    checkArgument(samples >= 0 && steps >= 0, "samples %s and steps %s must be >= 0", samples, steps);
    checkNotNull(positions, "positions");
    checkNotNull(state, "state");
    checkArgument(positions.length == state.size(), "shard %s: %s positions for %s tensors",
        shard, positions.length, state.size());
    this.shard = shard;
    this.worker = worker;
    this.samples = samples;
    this.steps = steps;
    this.lossSum = lossSum;
    this.contributors = contributors;
    this.positions = positions.clone();
    this.state = state;
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
        && Double.compare(lossSum, p.lossSum) == 0 && contributors == p.contributors
        && Arrays.equals(positions, p.positions) && state.equals(p.state);
  }

  @Override
  public int hashCode() {
    return Objects.hash(shard, worker, samples, steps, lossSum, contributors, state)
        + 31 * Arrays.hashCode(positions);
  }

  @Override
  public String toString() {
    return "ShardPiece[shard " + shard + ", worker " + (worker == AVERAGED ? "averaged" : worker)
        + ", samples " + samples + ", " + state.size() + " tensors, " + state.totalBytes() + " bytes]";
  }

  /** Kryo wire format: the fields in order, positions as varints, the state last. */
  public static final class KryoSerializer extends Serializer<ShardPiece> {

    /** A serializer for immutable pieces. */
    public KryoSerializer() {
      super(false, true);
    }

    @Override
    public void write(Kryo kryo, Output output, ShardPiece p) {
      output.writeVarInt(p.shard, true);
      output.writeVarInt(p.worker, false);
      output.writeVarLong(p.samples, true);
      output.writeVarLong(p.steps, true);
      output.writeDouble(p.lossSum);
      output.writeVarInt(p.contributors, true);
      output.writeVarInt(p.positions.length, true);
      for (int pos : p.positions) {
        output.writeVarInt(pos, true);
      }
      kryo.writeObject(output, p.state);
    }

    @Override
    public ShardPiece read(Kryo kryo, Input input, Class<ShardPiece> type) {
      int shard = input.readVarInt(true);
      int worker = input.readVarInt(false);
      long samples = input.readVarLong(true);
      long steps = input.readVarLong(true);
      double lossSum = input.readDouble();
      int contributors = input.readVarInt(true);
      int[] positions = new int[input.readVarInt(true)];
      for (int i = 0; i < positions.length; i++) {
        positions[i] = input.readVarInt(true);
      }
      StateDict state = kryo.readObject(input, StateDict.class);
      return new ShardPiece(shard, worker, samples, steps, lossSum, contributors, positions, state);
    }
  }
}
