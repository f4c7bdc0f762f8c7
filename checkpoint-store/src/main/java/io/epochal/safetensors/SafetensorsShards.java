package io.epochal.safetensors;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Splits a state dict into shards of bounded size and names them in the Hugging Face convention
 * ({@code model-00001-of-00004.safetensors}). Shards are contiguous runs of the state dict in its
 * order, so concatenating them in shard order gives the state dict back.
 */
public final class SafetensorsShards {

  private static final String EXTENSION = ".safetensors";

  private SafetensorsShards() {}

  /**
   * Splits {@code dict} greedily, in order: a shard takes tensors until the next one would bring its
   * data bytes above {@code maxShardBytes}; a tensor larger than that gets a shard of its own. An
   * empty dict gives one empty shard.
   */
  public static List<StateDict> split(StateDict dict, long maxShardBytes) {
    checkNotNull(dict, "dict");
    checkArgument(maxShardBytes > 0, "maxShardBytes must be > 0, got %s", maxShardBytes);
    List<StateDict> out = new ArrayList<>();
    StateDict.Builder current = StateDict.builder();
    long bytes = 0;
    int count = 0;
    for (Map.Entry<String, Tensor> e : dict) {
      long size = e.getValue().byteSize();
      if (count > 0 && bytes + size > maxShardBytes) {
        out.add(current.build());
        current = StateDict.builder();
        bytes = 0;
        count = 0;
      }
      current.put(e.getKey(), e.getValue());
      bytes += size;
      count++;
    }
    if (count > 0 || out.isEmpty()) {
      out.add(current.build());
    }
    return out;
  }

  /**
   * The name of shard {@code index} (1-based) of {@code count} for {@code fileName}: {@code
   * model.safetensors} gives {@code model-00001-of-00004.safetensors}.
   */
  public static String shardName(String fileName, int index, int count) {
    checkNotNull(fileName, "fileName");
    checkArgument(fileName.endsWith(EXTENSION) && fileName.length() > EXTENSION.length(),
        "file name '%s' must end with %s to be sharded", fileName, EXTENSION);
    checkArgument(count >= 1 && count <= 99_999, "shard count must be in [1, 99999], got %s", count);
    checkArgument(index >= 1 && index <= count, "shard index %s must be in [1, %s]", index, count);
    String stem = fileName.substring(0, fileName.length() - EXTENSION.length());
    return String.format(Locale.ROOT, "%s-%05d-of-%05d%s", stem, index, count, EXTENSION);
  }

  /** The index of {@code shards} (named with {@link #shardName} for {@code fileName}). */
  public static SafetensorsIndex index(String fileName, List<StateDict> shards) {
    Map<String, String> weights = new LinkedHashMap<>();
    long total = 0;
    for (int i = 0; i < shards.size(); i++) {
      String name = shardName(fileName, i + 1, shards.size());
      for (Map.Entry<String, Tensor> e : shards.get(i)) {
        weights.put(e.getKey(), name);
        total += e.getValue().byteSize();
      }
    }
    return new SafetensorsIndex(total, weights);
  }
}
