package io.epochal.driver.aggregate;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Which rows of which tensor each parameter shard holds: a pure function of the ordered tensor
 * names, dtypes and shapes and the shard count, so every worker computes the same plan for the same
 * layout.
 *
 * <p>The tensors' bytes, laid end to end in state-dict order, are cut into {@code S} ranges of
 * equal size; shard {@code s} holds the range that starts at byte {@code ceil(s * total / S)}. A
 * range boundary that falls inside a tensor splits it between rows (its first dimension), so one
 * large tensor, an embedding table or a wide layer, is averaged by every reducer instead of one.
 * Each shard therefore holds its share of the bytes to within one row, or one tensor that has no
 * rows to split (a 0-d tensor, a tensor of one row, an empty one). A split tensor's pieces are
 * tensors of the same rank whose first dimension is their row count; within a shard the pieces keep
 * state-dict order, and a tensor is split over consecutive shards only.
 */
public final class ShardPlan {

  private final List<String> names;
  private final long[][] shapes;
  private final long[] rowBytes;
  /** Per shard: the tensor index, first row and row count of each of its pieces, in state-dict order. */
  private final List<List<long[]>> segments;
  private final long[] shardBytes;

  private ShardPlan(List<String> names, long[][] shapes, long[] rowBytes, List<List<long[]>> segments,
      long[] shardBytes) {
    this.names = names;
    this.shapes = shapes;
    this.rowBytes = rowBytes;
    this.segments = segments;
    this.shardBytes = shardBytes;
  }

  /**
   * A plan for {@code state}'s tensors over {@code shards} shards.
   *
   * @throws IllegalArgumentException if {@code shards < 1}
   */
  public static ShardPlan of(StateDict state, int shards) {
    checkNotNull(state, "state");
    checkArgument(shards >= 1, "shard count must be >= 1, got %s; use the executor count or 1", shards);
    int n = state.size();
    List<String> names = List.copyOf(state.nameList());
    long[][] shapes = new long[n][];
    long[] bytes = new long[n];
    long[] rowBytes = new long[n];
    long total = 0;
    int i = 0;
    for (Map.Entry<String, Tensor> e : state) {
      Tensor t = e.getValue();
      shapes[i] = t.shape();
      bytes[i] = t.byteSize();
      // a tensor of two rows or more, and of some bytes, can be cut between rows
      rowBytes[i] = t.rank() >= 1 && t.dim(0) >= 2 && bytes[i] > 0 ? bytes[i] / t.dim(0) : 0;
      total = Math.addExact(total, bytes[i]);
      i++;
    }
    List<List<long[]>> segments = new ArrayList<>(shards);
    for (int s = 0; s < shards; s++) {
      segments.add(new ArrayList<>());
    }
    long[] load = new long[shards];
    long cursor = 0; // the byte where tensor i starts, tensors laid end to end
    for (i = 0; i < n; i++) {
      long rows = shapes[i].length == 0 ? 1 : shapes[i][0];
      if (rowBytes[i] == 0) {
        int s = shardAt(cursor, total, shards);
        segments.get(s).add(new long[] {i, 0, rows});
        load[s] += bytes[i];
      } else {
        long row = 0;
        while (row < rows) {
          int s = shardAt(cursor + row * rowBytes[i], total, shards);
          long end = rows;
          if (s < shards - 1) { // the first row that starts at or past the next shard's first byte
            long next = boundary(s + 1, total, shards);
            end = Math.max(row + 1, Math.min(rows, ceilDiv(next - cursor, rowBytes[i])));
          }
          segments.get(s).add(new long[] {i, row, end - row});
          load[s] += (end - row) * rowBytes[i];
          row = end;
        }
      }
      cursor += bytes[i];
    }
    return new ShardPlan(names, shapes, rowBytes, segments, load);
  }

  /** The first byte of shard {@code s}: {@code ceil(s * total / shards)}. */
  private static long boundary(int s, long total, int shards) {
    return ceilDiv(Math.multiplyExact((long) s, total), shards);
  }

  /** The shard whose range holds byte {@code at}: the last {@code s} with {@code boundary(s) <= at}. */
  private static int shardAt(long at, long total, int shards) {
    if (total == 0) {
      return 0;
    }
    return (int) Math.min(shards - 1, Math.multiplyExact(at, (long) shards) / total);
  }

  private static long ceilDiv(long a, long b) {
    return -Math.floorDiv(-a, b);
  }

  /** Number of shards (some may be empty when there are fewer bytes or tensors than shards). */
  public int shards() {
    return shardBytes.length;
  }

  /** All tensor names in state-dict order. */
  public List<String> names() {
    return names;
  }

  /** The names of the tensors (whole or a range of their rows) in shard {@code shard}, in state-dict order. */
  public List<String> namesIn(int shard) {
    checkShard(shard);
    List<String> out = new ArrayList<>();
    for (long[] seg : segments.get(shard)) {
      out.add(names.get((int) seg[0]));
    }
    return Collections.unmodifiableList(out);
  }

  /**
   * The rows of tensor {@code name} in shard {@code shard}, as {@code {first row, row count}}; a
   * whole tensor (also a 0-d one, as one row) when it is not split; empty when the shard has none of it.
   */
  public long[] rowsIn(int shard, String name) {
    checkShard(shard);
    for (long[] seg : segments.get(shard)) {
      if (names.get((int) seg[0]).equals(name)) {
        return new long[] {seg[1], seg[2]};
      }
    }
    return new long[0];
  }

  private void checkShard(int shard) {
    checkArgument(shard >= 0 && shard < shards(), "shard %s out of range [0, %s)", shard, shards());
  }

  /** Data bytes assigned to shard {@code shard}. */
  public long bytesIn(int shard) {
    return shardBytes[shard];
  }

  /** Total data bytes over all shards. */
  public long totalBytes() {
    long n = 0;
    for (long b : shardBytes) {
      n += b;
    }
    return n;
  }

  /**
   * Splits a worker's state into one piece per shard (empty pieces included, so every reducer hears
   * from every worker), each carrying the worker's metrics. A split tensor's rows are views of the
   * state's bytes, not copies.
   *
   * @throws IllegalArgumentException if the state's names or shapes differ from the plan's
   */
  public List<ShardPiece> split(int worker, long samples, long steps, double lossSum, long correct,
      io.epochal.worker.round.GradNorms norms, StateDict state) {
    checkArgument(state.nameList().equals(names),
        "worker %s's state has tensors %s but the shard plan expects %s", worker, state.names(), names);
    List<ShardPiece> pieces = new ArrayList<>(shards());
    int contributors = samples > 0 ? 1 : 0;
    for (int s = 0; s < shards(); s++) {
      List<long[]> segs = segments.get(s);
      StateDict.Builder b = StateDict.builder();
      int[] positions = new int[segs.size()];
      long[] firstRows = new long[segs.size()];
      for (int k = 0; k < segs.size(); k++) {
        long[] seg = segs.get(k);
        int i = (int) seg[0];
        Tensor t = state.require(names.get(i));
        checkArgument(Arrays.equals(t.shape(), shapes[i]), "worker %s's tensor '%s' has shape %s but the shard plan "
            + "expects %s", worker, names.get(i), Arrays.toString(t.shape()), Arrays.toString(shapes[i]));
        b.put(names.get(i), rows(t, rowBytes[i], seg[1], seg[2]));
        positions[k] = i;
        firstRows[k] = seg[1];
      }
      pieces.add(new ShardPiece(s, worker, samples, steps, lossSum, correct, norms, contributors, positions,
          firstRows, b.build()));
    }
    return pieces;
  }

  /** Rows {@code [first, first + count)} of {@code t} as a tensor over the same bytes; {@code t} itself when whole. */
  private static Tensor rows(Tensor t, long rowBytes, long first, long count) {
    if (first == 0 && (t.rank() == 0 || count == t.dim(0))) {
      return t;
    }
    long[] shape = t.shape();
    shape[0] = count;
    ByteBuffer data = t.data();
    data.position(Math.toIntExact(first * rowBytes)).limit(Math.toIntExact((first + count) * rowBytes));
    return Tensor.wrap(t.dtype(), shape, data);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ShardPlan)) {
      return false;
    }
    ShardPlan p = (ShardPlan) o;
    if (!names.equals(p.names) || !Arrays.deepEquals(shapes, p.shapes) || !Arrays.equals(rowBytes, p.rowBytes)
        || segments.size() != p.segments.size()) {
      return false;
    }
    for (int s = 0; s < segments.size(); s++) {
      List<long[]> a = segments.get(s);
      List<long[]> b = p.segments.get(s);
      if (a.size() != b.size()) {
        return false;
      }
      for (int k = 0; k < a.size(); k++) {
        if (!Arrays.equals(a.get(k), b.get(k))) {
          return false;
        }
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return 31 * names.hashCode() + Arrays.hashCode(shardBytes);
  }

  @Override
  public String toString() {
    return "ShardPlan[" + names.size() + " tensors over " + shards() + " shards, bytes "
        + Arrays.toString(shardBytes) + "]";
  }
}
