package io.epochal.worker.round;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.worker.model.NamedParameter;
import io.epochal.worker.state.NamePatterns;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The trainable parameters a job does not train ({@code train.freeze}), as PyTorch's {@code
 * param.requires_grad_(False)}, named by {@link NamePatterns} ({@code layers.0.*}). A frozen
 * parameter gets no gradient, so the optimizer keeps no state for it, decays nothing and steps
 * nothing, and clipping does not count it; buffers are not parameters and are not affected. Immutable.
 */
public final class FrozenParameters implements Serializable {

  private static final long serialVersionUID = 2L;

  /** No parameter frozen. */
  public static final FrozenParameters NONE = new FrozenParameters(NamePatterns.NONE);

  private final NamePatterns patterns;

  private FrozenParameters(NamePatterns patterns) {
    this.patterns = checkNotNull(patterns, "patterns");
  }

  /**
   * The parameters {@code patterns} name.
   *
   * @throws IllegalArgumentException naming a blank pattern
   */
  public static FrozenParameters of(List<String> patterns) {
    return patterns.isEmpty() ? NONE : new FrozenParameters(NamePatterns.of(patterns));
  }

  /** The patterns, as given. */
  public List<String> patterns() {
    return patterns.patterns();
  }

  /** Whether no parameter is frozen. */
  public boolean isEmpty() {
    return patterns.isEmpty();
  }

  /** Whether the parameter named {@code name} is frozen. */
  public boolean isFrozen(String name) {
    return patterns.matches(name);
  }

  /** Those of {@code params} that are trained, in their order. */
  public List<NamedParameter> trained(List<NamedParameter> params) {
    if (patterns.isEmpty()) {
      return params;
    }
    List<NamedParameter> kept = new ArrayList<>(params.size());
    for (NamedParameter p : params) {
      if (!isFrozen(p.name())) {
        kept.add(p);
      }
    }
    return kept;
  }

  /** The patterns that match none of {@code names}. */
  public List<String> unmatched(Collection<String> names) {
    return patterns.unmatched(names);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FrozenParameters f && patterns.equals(f.patterns);
  }

  @Override
  public int hashCode() {
    return patterns.hashCode();
  }

  @Override
  public String toString() {
    return patterns.isEmpty() ? "none frozen" : "frozen " + patterns;
  }
}
