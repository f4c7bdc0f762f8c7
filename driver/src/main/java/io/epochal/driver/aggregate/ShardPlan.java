package io.epochal.driver.aggregate;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which parameter shard each tensor belongs to: a pure function of the ordered tensor names, their
 * byte sizes and the shard count, so every worker computes the same plan for the same layout.
 *
 * <p>Tensors are placed largest first (ties: earlier name first) on the shard with the fewest bytes
 * so far (ties: lower shard index), which keeps shards within one largest tensor of each other.
 * Within a shard, tensors keep their order in the state dict.
 */
public final class ShardPlan implements Serializable {

  private static final long serialVersionUID = 1L;

  private final List<String> names;
  private final int[] shardOf;
  private final long[] shardBytes;
  private final Map<String, Integer> index;

  private ShardPlan(List<String> names, int[] shardOf, long[] shardBytes) {
    this.names = names;
    this.shardOf = shardOf;
    this.shardBytes = shardBytes;
    Map<String, Integer> idx = new HashMap<>();
    for (int i = 0; i < names.size(); i++) {
      idx.put(names.get(i), i);
    }
    this.index = idx;
  }

  /**
   * A plan for {@code state}'s tensors over {@code shards} shards.
   *
   * @throws IllegalArgumentException if {@code shards < 1}
   */
  public static ShardPlan of(StateDict state, int shards) {
    checkNotNull(state, "state");
    LinkedHashMap<String, Long> sizes = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : state) {
      sizes.put(e.getKey(), e.getValue().byteSize());
    }
    return of(sizes, shards);
  }

  /**
   * A plan for tensors named in {@code sizes}' iteration order with the given byte sizes.
   *
   * @throws IllegalArgumentException if {@code shards < 1} or a size is negative
   */
  public static ShardPlan of(Map<String, Long> sizes, int shards) {
    checkNotNull(sizes, "sizes");
    checkArgument(shards >= 1, "shard count must be >= 1, got %s; use the executor count or 1",
        shards);
    List<String> names = List.copyOf(sizes.keySet());
    long[] bytes = new long[names.size()];
    Integer[] order = new Integer[names.size()];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = sizes.get(names.get(i));
      checkArgument(bytes[i] >= 0, "tensor '%s' has a negative byte size %s", names.get(i), bytes[i]);
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> bytes[a] != bytes[b] ? Long.compare(bytes[b], bytes[a]) : Integer.compare(a, b));
    long[] load = new long[shards];
    int[] shardOf = new int[names.size()];
    for (int i : order) {
      int best = 0;
      for (int s = 1; s < shards; s++) {
        if (load[s] < load[best]) {
          best = s;
        }
      }
      shardOf[i] = best;
      load[best] += bytes[i];
    }
    return new ShardPlan(names, shardOf, load);
  }

  /** Number of shards (some may be empty when there are fewer tensors than shards). */
  public int shards() {
    return shardBytes.length;
  }

  /** All tensor names in state-dict order. */
  public List<String> names() {
    return names;
  }

  /**
   * The shard of tensor {@code name}.
   *
   * @throws IllegalArgumentException if the plan has no such tensor
   */
  public int shardOf(String name) {
    Integer i = index.get(name);
    checkArgument(i != null, "shard plan has no tensor '%s'; it has %s tensors", name, names.size());
    return shardOf[i];
  }

  /** Position of tensor {@code name} in the state dict, or -1. */
  public int positionOf(String name) {
    Integer i = index.get(name);
    return i == null ? -1 : i;
  }

  /** The names in shard {@code shard}, in state-dict order. */
  public List<String> namesIn(int shard) {
    checkArgument(shard >= 0 && shard < shards(), "shard %s out of range [0, %s)", shard, shards());
    List<String> out = new ArrayList<>();
    for (int i = 0; i < shardOf.length; i++) {
      if (shardOf[i] == shard) {
        out.add(names.get(i));
      }
    }
    return Collections.unmodifiableList(out);
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
   * Splits {@code result}'s state into one piece per shard (empty pieces included, so every
   * reducer hears from every worker).
   *
   * @throws IllegalArgumentException if the state's names differ from the plan's
   */
  public List<ShardPiece> split(int worker, long samples, long steps, double lossSum, StateDict state) {
    return split(worker, samples, steps, lossSum, io.epochal.worker.round.EvaluationResult.NOT_COUNTED, state);
  }

  /** As {@link #split(int, long, long, double, StateDict)}, each piece carrying {@code correct}. */
  public List<ShardPiece> split(int worker, long samples, long steps, double lossSum, long correct,
      StateDict state) {
    return split(worker, samples, steps, lossSum, correct, io.epochal.worker.round.GradNorms.NONE, state);
  }

  /** As above, each piece also carrying what gradient clipping saw, {@code norms}. */
  public List<ShardPiece> split(int worker, long samples, long steps, double lossSum, long correct,
      io.epochal.worker.round.GradNorms norms, StateDict state) {
    checkArgument(state.nameList().equals(names),
        "worker %s's state has tensors %s but the shard plan expects %s", worker, state.names(), names);
    List<ShardPiece> pieces = new ArrayList<>(shards());
    int contributors = samples > 0 ? 1 : 0;
    for (int s = 0; s < shards(); s++) {
      StateDict.Builder b = StateDict.builder();
      List<Integer> pos = new ArrayList<>();
      for (int i = 0; i < shardOf.length; i++) {
        if (shardOf[i] == s) {
          b.put(names.get(i), state.get(names.get(i)));
          pos.add(i);
        }
      }
      int[] positions = pos.stream().mapToInt(Integer::intValue).toArray();
      pieces.add(new ShardPiece(s, worker, samples, steps, lossSum, correct, norms, contributors, positions,
          b.build()));
    }
    return pieces;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ShardPlan)) {
      return false;
    }
    ShardPlan p = (ShardPlan) o;
    return names.equals(p.names) && Arrays.equals(shardOf, p.shardOf)
        && Arrays.equals(shardBytes, p.shardBytes);
  }

  @Override
  public int hashCode() {
    return 31 * names.hashCode() + Arrays.hashCode(shardOf);
  }

  @Override
  public String toString() {
    return "ShardPlan[" + names.size() + " tensors over " + shards() + " shards, bytes "
        + Arrays.toString(shardBytes) + "]";
  }
}
