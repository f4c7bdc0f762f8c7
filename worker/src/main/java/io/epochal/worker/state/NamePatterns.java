package io.epochal.worker.state;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Patterns over the names of a state dict, as a job's keys give them ({@code layers.0.*, *.bias}):
 * {@code *} stands for any run of characters, everything else is literal, and a pattern matches a
 * whole name. Immutable.
 */
public final class NamePatterns implements Serializable {

  private static final long serialVersionUID = 1L;

  /** No pattern: matches nothing. */
  public static final NamePatterns NONE = new NamePatterns(List.of());

  private final List<String> patterns;
  private transient List<Pattern> compiled;

  private NamePatterns(List<String> patterns) {
    this.patterns = List.copyOf(patterns);
  }

  /**
   * The patterns {@code patterns}.
   *
   * @throws IllegalArgumentException naming a blank pattern
   */
  public static NamePatterns of(List<String> patterns) {
    for (String p : patterns) {
      checkArgument(p != null && !p.isBlank(), "a pattern of tensor names is blank in %s", patterns);
    }
    return patterns.isEmpty() ? NONE : new NamePatterns(patterns);
  }

  /** The patterns, as given. */
  public List<String> patterns() {
    return patterns;
  }

  /** Whether there is no pattern. */
  public boolean isEmpty() {
    return patterns.isEmpty();
  }

  /** Whether some pattern matches {@code name}. */
  public boolean matches(String name) {
    for (Pattern p : compiled()) {
      if (p.matcher(name).matches()) {
        return true;
      }
    }
    return false;
  }

  /** The patterns that match none of {@code names}, in their order. */
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
      compiled = patterns.stream().map(p -> Pattern.compile(Arrays.stream(p.trim().split("\\*", -1))
          .map(Pattern::quote).collect(Collectors.joining(".*")))).toList();
    }
    return compiled;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NamePatterns n && patterns.equals(n.patterns);
  }

  @Override
  public int hashCode() {
    return patterns.hashCode();
  }

  @Override
  public String toString() {
    return patterns.toString();
  }
}
