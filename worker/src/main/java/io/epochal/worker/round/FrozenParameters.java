package io.epochal.worker.round;

import static com.google.common.base.Preconditions.checkArgument;

import io.epochal.worker.model.NamedParameter;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The trainable parameters a job does not train ({@code train.freeze}), as PyTorch's {@code
 * param.requires_grad_(False)}: named by patterns over the state dict's names, where {@code *}
 * stands for any run of characters ({@code layers.0.*}). A frozen parameter gets no gradient, so the
 * optimizer keeps no state for it, decays nothing and steps nothing, and clipping does not count it;
 * buffers are not parameters and are not affected. Immutable.
 */
public final class FrozenParameters implements Serializable {

  private static final long serialVersionUID = 1L;

  /** No parameter frozen. */
  public static final FrozenParameters NONE = new FrozenParameters(List.of());

  private final List<String> patterns;
  private transient List<Pattern> compiled;

  private FrozenParameters(List<String> patterns) {
    this.patterns = List.copyOf(patterns);
  }

  /**
   * The parameters {@code patterns} name.
   *
   * @throws IllegalArgumentException naming a blank pattern
   */
  public static FrozenParameters of(List<String> patterns) {
    for (String p : patterns) {
      checkArgument(p != null && !p.isBlank(), "a pattern of frozen parameters is blank in %s", patterns);
    }
    return patterns.isEmpty() ? NONE : new FrozenParameters(patterns);
  }

  /** The patterns, as given. */
  public List<String> patterns() {
    return patterns;
  }

  /** Whether no parameter is frozen. */
  public boolean isEmpty() {
    return patterns.isEmpty();
  }

  /** Whether the parameter named {@code name} is frozen. */
  public boolean isFrozen(String name) {
    for (Pattern p : compiled()) {
      if (p.matcher(name).matches()) {
        return true;
      }
    }
    return false;
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
    List<String> none = new ArrayList<>();
    List<Pattern> c = compiled();
    for (int i = 0; i < patterns.size(); i++) {
      Pattern p = c.get(i);
      if (names.stream().noneMatch(n -> p.matcher(n).matches())) {
        none.add(patterns.get(i));
      }
    }
    return none;
  }

  private List<Pattern> compiled() {
    if (compiled == null) {
      List<Pattern> c = new ArrayList<>(patterns.size());
      for (String p : patterns) {
        c.add(Pattern.compile(java.util.Arrays.stream(p.trim().split("\\*", -1)).map(Pattern::quote)
            .collect(java.util.stream.Collectors.joining(".*"))));
      }
      compiled = List.copyOf(c);
    }
    return compiled;
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
