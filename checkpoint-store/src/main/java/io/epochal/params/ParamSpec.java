package io.epochal.params;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The declaration of one hyperparameter: name, type, default (none = required), allowed range or
 * values, and a one-line description. Immutable; build with {@link #builder(String, ParamType)}.
 */
public final class ParamSpec {

  private final String name;
  private final ParamType type;
  private final Object defaultValue;
  private final Double min;
  private final Double max;
  private final boolean minExclusive;
  private final boolean maxExclusive;
  private final Set<String> allowed;
  private final String doc;

  private ParamSpec(Builder b) {
    this.name = b.name;
    this.type = b.type;
    this.defaultValue = b.defaultValue;
    this.min = b.min;
    this.max = b.max;
    this.minExclusive = b.minExclusive;
    this.maxExclusive = b.maxExclusive;
    this.allowed = b.allowed;
    this.doc = b.doc;
  }

  /** A builder for a parameter named {@code name} of type {@code type}. */
  public static Builder builder(String name, ParamType type) {
    return new Builder(name, type);
  }

  /** The key. */
  public String name() {
    return name;
  }

  /** The type. */
  public ParamType type() {
    return type;
  }

  /** The default, or {@code null} when the parameter is required. */
  public Object defaultValue() {
    return defaultValue;
  }

  /** Whether the parameter must be given. */
  public boolean required() {
    return defaultValue == null;
  }

  /** The one-line description. */
  public String doc() {
    return doc;
  }

  /** The allowed string values, or an empty set for any. */
  public Set<String> allowed() {
    return allowed;
  }

  /**
   * A human-readable range, e.g. {@code [0.0, 1.0]}, {@code [0.0, 1.0)} (1.0 excluded), {@code one
   * of relu, tanh} (an allowed empty string as {@code '' (empty)}), or {@code any}.
   */
  public String rangeText() {
    if (!allowed.isEmpty()) {
      List<String> shown = new java.util.ArrayList<>();
      for (String a : allowed) {
        shown.add(a.isEmpty() ? "'' (empty)" : a);
      }
      return "one of " + String.join(", ", shown);
    }
    if (min == null && max == null) {
      return "any";
    }
    return (minExclusive ? "(" : "[") + (min == null ? "-inf" : fmt(min)) + ", " + (max == null ? "inf" : fmt(max))
        + (maxExclusive ? ")" : "]");
  }

  private String fmt(double d) {
    boolean integral = type == ParamType.LONG || type == ParamType.LONG_LIST;
    return integral && d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  /**
   * Checks a value (already coerced) against the type and range.
   *
   * @throws IllegalArgumentException naming the key, the value, the expected type and the range
   */
  public Object check(Object raw) {
    Object value = type.coerce(raw);
    if (!type.accepts(value)) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "hyperparameter '%s' = %s has type %s; expected %s in %s",
          name, raw, HyperParameters.typeName(raw), type.displayName(), rangeText()));
    }
    if (value instanceof List) {
      for (Object o : (List<?>) value) {
        checkScalar(o, value);
      }
    } else {
      checkScalar(value, value);
    }
    return value;
  }

  private void checkScalar(Object v, Object whole) {
    if (v instanceof Number) {
      double d = ((Number) v).doubleValue();
      boolean below = min != null && (minExclusive ? !(d > min) : !(d >= min));
      boolean above = max != null && (maxExclusive ? !(d < max) : !(d <= max));
      if (below || above) {
        throw new IllegalArgumentException(String.format(Locale.ROOT,
            "hyperparameter '%s' = %s is out of range; expected %s in %s",
            name, whole, type.displayName(), rangeText()));
      }
    } else if (v instanceof String && !allowed.isEmpty() && !allowed.contains(v)) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "hyperparameter '%s' = \"%s\" is not allowed; expected %s", name, v, rangeText()));
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ParamSpec)) {
      return false;
    }
    ParamSpec p = (ParamSpec) o;
    return name.equals(p.name) && type == p.type && Objects.equals(defaultValue, p.defaultValue)
        && Objects.equals(min, p.min) && Objects.equals(max, p.max) && minExclusive == p.minExclusive
        && maxExclusive == p.maxExclusive && allowed.equals(p.allowed)
        && doc.equals(p.doc);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, type, defaultValue, min, max, minExclusive, maxExclusive, allowed, doc);
  }

  @Override
  public String toString() {
    return name + " (" + type.displayName() + ", " + (required() ? "required" : "default " + defaultValue)
        + ", " + rangeText() + ")";
  }

  /** Builds a {@link ParamSpec}: {@code set*} for what is required, {@code opt*} for the rest. */
  public static final class Builder {
    private final String name;
    private final ParamType type;
    private Object defaultValue;
    private Double min;
    private Double max;
    private boolean minExclusive;
    private boolean maxExclusive;
    private Set<String> allowed = Set.of();
    private String doc = "";

    private Builder(String name, ParamType type) {
      this.name = checkNotNull(name, "name");
      this.type = checkNotNull(type, "type");
      checkArgument(!name.isEmpty(), "parameter name must not be empty");
    }

    /** The default value; without one the parameter is required. */
    public Builder optDefault(Object value) {
      Object v = HyperParameters.builder().put(name, value).build().get(name);
      v = type.coerce(v);
      checkArgument(type.accepts(v), "default %s of '%s' is not %s", value, name, type.withArticle());
      this.defaultValue = v;
      return this;
    }

    /** Smallest allowed value (for numbers and number lists), inclusive. */
    public Builder optMin(double min) {
      this.min = min;
      this.minExclusive = false;
      return this;
    }

    /** Largest allowed value (for numbers and number lists), inclusive. */
    public Builder optMax(double max) {
      this.max = max;
      this.maxExclusive = false;
      return this;
    }

    /** A bound (for numbers and number lists) that values must stay above, itself excluded. */
    public Builder optMinExclusive(double min) {
      this.min = min;
      this.minExclusive = true;
      return this;
    }

    /** A bound (for numbers and number lists) that values must stay below, itself excluded. */
    public Builder optMaxExclusive(double max) {
      this.max = max;
      this.maxExclusive = true;
      return this;
    }

    /** The allowed values of a string parameter. */
    public Builder optAllowed(String... values) {
      checkArgument(type == ParamType.STRING, "allowed values apply to strings, '%s' is a %s", name, type);
      this.allowed = java.util.Collections.unmodifiableSet(new java.util.LinkedHashSet<>(java.util.Arrays.asList(values)));
      return this;
    }

    /** A one-line description for docs and {@code --help}. */
    public Builder optDoc(String doc) {
      this.doc = checkNotNull(doc, "doc");
      return this;
    }

    /** The immutable declaration; a default must itself be in range. */
    public ParamSpec build() {
      ParamSpec spec = new ParamSpec(this);
      if (defaultValue != null) {
        spec.check(defaultValue);
      }
      return spec;
    }
  }
}
