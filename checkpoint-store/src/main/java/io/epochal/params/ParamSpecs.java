package io.epochal.params;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An ordered set of declarations that resolves raw hyperparameters: fills defaults and refuses
 * unknown keys (suggesting the nearest declared key), missing required keys, wrong types and
 * out-of-range values, each with a message naming the key, the expected type and the range.
 */
public final class ParamSpecs {

  private final String owner;
  private final Map<String, ParamSpec> specs;

  /**
   * Declarations owned by {@code owner} (e.g. {@code model mlp v1}), named in messages.
   *
   * @throws IllegalArgumentException on a duplicate name
   */
  public ParamSpecs(String owner, Collection<ParamSpec> specs) {
    this.owner = owner;
    LinkedHashMap<String, ParamSpec> m = new LinkedHashMap<>();
    for (ParamSpec s : specs) {
      checkArgument(m.put(s.name(), s) == null, "%s declares '%s' twice", owner, s.name());
    }
    this.specs = java.util.Collections.unmodifiableMap(m);
  }

  /** The declarations in order. */
  public Collection<ParamSpec> all() {
    return specs.values();
  }

  /** The declaration of {@code name}, or {@code null}. */
  public ParamSpec get(String name) {
    return specs.get(name);
  }

  /** Who declares these (used in messages). */
  public String owner() {
    return owner;
  }

  /**
   * Resolves raw values: every declared key present with a checked value or its default.
   *
   * @throws IllegalArgumentException for the first unknown, missing, mistyped or out-of-range key
   */
  public HyperParameters resolve(HyperParameters raw) {
    for (String k : raw.keys()) {
      if (!specs.containsKey(k)) {
        String near = nearest(k, specs.keySet());
        throw new IllegalArgumentException(String.format(Locale.ROOT, "%s has no hyperparameter '%s'%s; known: %s",
            owner, k, near == null ? "" : " (did you mean '" + near + "'?)", specs.keySet()));
      }
    }
    HyperParameters.Builder b = HyperParameters.builder();
    for (ParamSpec s : specs.values()) {
      Object v = raw.get(s.name());
      if (v == null) {
        if (s.required()) {
          throw new IllegalArgumentException(String.format(Locale.ROOT,
              "%s needs hyperparameter '%s' (%s in %s): %s", owner, s.name(), s.type().displayName(),
              s.rangeText(), s.doc()));
        }
        v = s.defaultValue();
      }
      try {
        b.put(s.name(), s.check(v));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(owner + ": " + e.getMessage(), e);
      }
    }
    return b.build();
  }

  /**
   * The candidate closest to {@code key}, ignoring case, or {@code null} if none is close: one that
   * equals it but for case; else the shortest that begins with it (a key typed in part, {@code
   * warmup} for {@code warmup_steps}) when the key has at least 4 characters; else the nearest by
   * edit distance, if that is at most a third of the key's length (at least 2).
   */
  public static String nearest(String key, Collection<String> candidates) {
    String lower = key.toLowerCase(java.util.Locale.ROOT);
    String best = null;
    int bestD = Integer.MAX_VALUE;
    String completion = null;
    for (String c : candidates) {
      String cl = c.toLowerCase(java.util.Locale.ROOT);
      if (cl.equals(lower)) {
        return c;
      }
      if (lower.length() >= 4 && cl.startsWith(lower) && (completion == null || c.length() < completion.length())) {
        completion = c;
      }
      int d = editDistance(lower, cl);
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    if (completion != null) {
      return completion;
    }
    int limit = Math.max(2, key.length() / 3);
    return bestD <= limit ? best : null;
  }

  /** Levenshtein distance. */
  public static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }

  /** One line per declaration, for {@code --help} and docs. */
  public List<String> describe() {
    List<String> lines = new ArrayList<>();
    for (ParamSpec s : specs.values()) {
      lines.add(String.format(Locale.ROOT, "%-24s %-13s %-22s %s", s.name(), s.type().displayName(),
          s.required() ? "(required)" : "default " + s.defaultValue(), s.rangeText() + "  " + s.doc()));
    }
    return lines;
  }
}
