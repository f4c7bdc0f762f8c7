package io.epochal.worker.optim;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.worker.state.NamePatterns;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How an optimizer treats each parameter, what {@code torch.optim}'s parameter groups express: a
 * learning-rate scale per group of parameters (the rate a parameter steps at is the scheduled rate
 * times its scale, timm's {@code lr_scale}; a backbone at a tenth of its head's rate) and the
 * parameters excluded from weight decay (Hugging Face's and timm's {@code no_decay}: biases and
 * normalisation weights). Parameters are named by {@link NamePatterns} ({@code layers.0.*}); one
 * that no scale names steps at the scheduled rate, one that {@code noDecay} does not name decays
 * as the optimizer is configured. Immutable.
 */
public final class ParamGroups implements Serializable {

  private static final long serialVersionUID = 1L;

  /** Every parameter at the scheduled rate, every one decayed as configured. */
  public static final ParamGroups NONE = new ParamGroups(List.of(), new double[0], NamePatterns.NONE);

  private final List<String> scalePatterns;
  private final double[] scales;
  private final NamePatterns noDecay;
  private transient List<NamePatterns> compiled;

  private ParamGroups(List<String> scalePatterns, double[] scales, NamePatterns noDecay) {
    this.scalePatterns = List.copyOf(scalePatterns);
    this.scales = scales.clone();
    this.noDecay = checkNotNull(noDecay, "noDecay");
  }

  /**
   * The groups {@code scales} (pattern to learning-rate scale, in order) and {@code noDecay} (patterns of
   * parameters not decayed) give.
   *
   * @throws IllegalArgumentException naming a blank pattern or a scale that is negative or not finite
   */
  public static ParamGroups of(Map<String, Double> scales, List<String> noDecay) {
    checkNotNull(scales, "scales");
    double[] values = new double[scales.size()];
    int i = 0;
    for (Map.Entry<String, Double> e : scales.entrySet()) {
      checkArgument(e.getKey() != null && !e.getKey().isBlank(), "a pattern of parameter names is blank in %s",
          scales);
      double s = checkNotNull(e.getValue(), "the scale of %s", e.getKey());
      checkArgument(s >= 0 && Double.isFinite(s), "the learning-rate scale of %s is %s; it must be finite and >= 0",
          e.getKey(), s);
      values[i++] = s;
    }
    NamePatterns notDecayed = NamePatterns.of(checkNotNull(noDecay, "noDecay"));
    return scales.isEmpty() && noDecay.isEmpty() ? NONE : new ParamGroups(new ArrayList<>(scales.keySet()), values,
        notDecayed);
  }

  /**
   * The scales of {@code text}: comma-separated {@code pattern:scale} entries ({@code layers.0.*:0.1,
   * layers.3.*:0.5}), in order; blank = none.
   *
   * @throws IllegalArgumentException naming the entry without a scale, a scale that is not a number, a
   *     negative or infinite one, and a pattern given twice
   */
  public static Map<String, Double> parseScales(String text) {
    return parseScales(text, false);
  }

  /**
   * As {@link #parseScales(String)}; with {@code decimalOnly}, a scale must be a decimal number as Python reads one
   * ({@link io.epochal.params.ParamType#parseDecimal}), not Java's {@code 0.1f}, {@code 1d} or hexadecimal forms:
   * for a value given anew (one a job stored with such a form reads as it was stored).
   */
  public static Map<String, Double> parseScales(String text, boolean decimalOnly) {
    Map<String, Double> scales = new LinkedHashMap<>();
    for (String entry : checkNotNull(text, "text").split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      int colon = entry.lastIndexOf(':');
      checkArgument(colon > 0 && !entry.substring(0, colon).isBlank(), "'%s' is not pattern:scale (as "
          + "layers.0.*:0.1, a tenth of the scheduled rate for the parameters layers.0.* names)", entry.trim());
      String pattern = entry.substring(0, colon).trim();
      String number = entry.substring(colon + 1).trim();
      double scale;
      try {
        scale = decimalOnly ? io.epochal.params.ParamType.parseDecimal(number) : Double.parseDouble(number);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("the scale of '" + pattern + "' is '" + number + "', not a number");
      }
      checkArgument(scale >= 0 && Double.isFinite(scale), "the scale of '%s' is %s; it must be finite and >= 0",
          pattern, number);
      checkArgument(scales.put(pattern, scale) == null, "'%s' is given a scale twice", pattern);
    }
    return scales;
  }

  /** Whether every parameter steps at the scheduled rate and decays as configured. */
  public boolean isEmpty() {
    return scalePatterns.isEmpty() && noDecay.isEmpty();
  }

  /** The scale patterns, in order. */
  public List<String> scalePatterns() {
    return scalePatterns;
  }

  /** The patterns of the parameters not decayed. */
  public List<String> noDecayPatterns() {
    return noDecay.patterns();
  }

  /** The scale of the learning rate of the parameter {@code name}: the first pattern's that matches it, else 1. */
  public double lrScale(String name) {
    List<NamePatterns> c = compiled();
    for (int i = 0; i < c.size(); i++) {
      if (c.get(i).matches(name)) {
        return scales[i];
      }
    }
    return 1;
  }

  /** Whether the parameter {@code name} is decayed (as configured; no pattern of {@code noDecay} names it). */
  public boolean decays(String name) {
    return !noDecay.matches(name);
  }

  /**
   * What is wrong with the scales for a model whose trained parameters are {@code trained}: a pattern that names
   * none of them, and a parameter two patterns name (torch refuses a parameter in two groups); empty when nothing is.
   */
  public List<String> scaleProblems(Collection<String> trained) {
    List<String> out = new ArrayList<>();
    List<NamePatterns> c = compiled();
    for (int i = 0; i < c.size(); i++) {
      if (!c.get(i).unmatched(trained).isEmpty()) {
        out.add("'" + scalePatterns.get(i) + "' matches no trained parameter");
      }
    }
    for (String name : trained) {
      List<String> named = new ArrayList<>();
      for (int i = 0; i < c.size(); i++) {
        if (c.get(i).matches(name)) {
          named.add(scalePatterns.get(i));
        }
      }
      if (named.size() > 1) {
        out.add("'" + name + "' is named by " + String.join(" and ", named) + ", each with a scale of its own");
      }
    }
    return out;
  }

  /**
   * Which of {@code trained} each group holds, for a log line: the parameters of each scale pattern with their scale,
   * then those not decayed ({@code layers.0.weight, layers.0.bias at 0.1 times the scheduled rate; not decayed:
   * layers.0.bias}); the others step at the scheduled rate and are decayed.
   */
  public String describe(Collection<String> trained) {
    List<String> parts = new ArrayList<>();
    List<NamePatterns> c = compiled();
    for (int i = 0; i < c.size(); i++) {
      NamePatterns p = c.get(i);
      List<String> named = trained.stream().filter(p::matches).toList();
      if (!named.isEmpty()) {
        parts.add(String.join(", ", named) + " at " + scales[i] + " times the scheduled rate");
      }
    }
    List<String> kept = trained.stream().filter(noDecay::matches).toList();
    if (!kept.isEmpty()) {
      parts.add("not decayed: " + String.join(", ", kept));
    }
    return String.join("; ", parts);
  }

  /** The patterns of the parameters not decayed that name none of {@code trained}, in their order. */
  public List<String> unmatchedNoDecay(Collection<String> trained) {
    return noDecay.unmatched(trained);
  }

  private List<NamePatterns> compiled() {
    if (compiled == null) {
      compiled = scalePatterns.stream().map(p -> NamePatterns.of(List.of(p))).toList();
    }
    return compiled;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ParamGroups g && scalePatterns.equals(g.scalePatterns) && Arrays.equals(scales, g.scales)
        && noDecay.equals(g.noDecay);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * scalePatterns.hashCode() + Arrays.hashCode(scales)) + noDecay.hashCode();
  }

  @Override
  public String toString() {
    if (isEmpty()) {
      return "one parameter group";
    }
    List<String> parts = new ArrayList<>();
    for (int i = 0; i < scales.length; i++) {
      parts.add(scalePatterns.get(i) + ":" + scales[i]);
    }
    return "lr scales " + parts + ", no decay " + noDecay;
  }
}
