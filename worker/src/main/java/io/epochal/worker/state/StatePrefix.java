package io.epochal.worker.state;

import static com.google.common.base.Preconditions.checkArgument;

import io.epochal.tensor.StateDict;

/**
 * A prefix that sets a part of a combined state dict apart, such as {@code optimizer.} for the optimizer's
 * tensors and {@code ema.} for the model's moving average: the part taken out without its prefix, and put back
 * with it. Immutable.
 */
public record StatePrefix(String prefix) {

  /** Checks that the prefix is a non-empty dotted name ending in a dot. */
  public StatePrefix {
    checkArgument(prefix != null && prefix.length() > 1 && prefix.endsWith("."),
        "a state prefix must end in a dot, got '%s'", prefix);
  }

  /** Whether {@code name} belongs to this part. */
  public boolean holds(String name) {
    return name.startsWith(prefix);
  }

  /** The tensors of {@code combined} under this prefix, without it (empty when there are none). */
  public StateDict part(StateDict combined) {
    StateDict.Builder b = StateDict.builder();
    combined.asMap().forEach((k, v) -> {
      if (holds(k)) {
        b.put(k.substring(prefix.length()), v);
      }
    });
    return b.build();
  }

  /** {@code state}'s tensors with this prefix added. */
  public StateDict prefixed(StateDict state) {
    StateDict.Builder b = StateDict.builder();
    state.asMap().forEach((k, v) -> b.put(prefix + k, v));
    return b.build();
  }
}
