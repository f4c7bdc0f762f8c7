package io.epochal.params;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An immutable, sorted set of typed hyperparameters.
 *
 * <p>A value is a {@link Long}, {@link Double}, {@link Boolean}, {@link String}, or a list of one
 * of those. In JSON a double is always written with a fraction or exponent ({@code 1.0}), so the
 * type survives a round trip: {@code 1} reads back as a long and {@code 1.0} as a double. Two sets
 * are equal when they hold the same keys with equal, same-typed values.
 */
public final class HyperParameters {

  private static final HyperParameters EMPTY = new HyperParameters(new TreeMap<>());

  private final Map<String, Object> values;

  private HyperParameters(TreeMap<String, Object> values) {
    this.values = Collections.unmodifiableMap(values);
  }

  /** The empty set. */
  public static HyperParameters empty() {
    return EMPTY;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The keys in sorted order. */
  public Set<String> keys() {
    return values.keySet();
  }

  /** The sorted, unmodifiable key/value view. */
  public Map<String, Object> asMap() {
    return values;
  }

  /** Whether {@code key} is present. */
  public boolean contains(String key) {
    return values.containsKey(key);
  }

  /** The value of {@code key}, or {@code null}. */
  public Object get(String key) {
    return values.get(key);
  }

  /** The long value of {@code key}. */
  public long getLong(String key) {
    return typed(key, Long.class);
  }

  /** The int value of {@code key}, range-checked. */
  public int getInt(String key) {
    return Math.toIntExact(getLong(key));
  }

  /** The double value of {@code key}. */
  public double getDouble(String key) {
    return typed(key, Double.class);
  }

  /** The boolean value of {@code key}. */
  public boolean getBoolean(String key) {
    return typed(key, Boolean.class);
  }

  /** The string value of {@code key}. */
  public String getString(String key) {
    return typed(key, String.class);
  }

  /** The list value of {@code key}. */
  @SuppressWarnings("unchecked")
  public <T> List<T> getList(String key, Class<T> elementType) {
    List<Object> list = typed(key, List.class);
    for (Object o : list) {
      checkArgument(elementType.isInstance(o),
          "hyperparameter '%s' holds %s, expected a list of %s", key, list, elementType.getSimpleName());
    }
    return (List<T>) list;
  }

  private <T> T typed(String key, Class<T> type) {
    Object v = values.get(key);
    checkArgument(v != null, "hyperparameter '%s' is not set; present: %s", key, values.keySet());
    checkArgument(type.isInstance(v), "hyperparameter '%s' is %s (%s), expected %s",
        key, v, typeName(v), type.getSimpleName());
    return type.cast(v);
  }

  /** A short type name for a value: long, double, boolean, string, list&lt;...&gt;. */
  public static String typeName(Object v) {
    if (v instanceof Long) {
      return "long";
    } else if (v instanceof Double) {
      return "double";
    } else if (v instanceof Boolean) {
      return "boolean";
    } else if (v instanceof String) {
      return "string";
    } else if (v instanceof List) {
      List<?> l = (List<?>) v;
      return "list<" + (l.isEmpty() ? "?" : typeName(l.get(0))) + ">";
    }
    return v == null ? "null" : v.getClass().getSimpleName();
  }

  /** A copy with {@code other}'s values added or replacing these. */
  public HyperParameters with(HyperParameters other) {
    return builder().putAll(this).putAll(other).build();
  }

  /** The keys whose names start with {@code prefix}, with the prefix removed. */
  public HyperParameters withPrefix(String prefix) {
    Builder b = builder();
    values.forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        b.put(k.substring(prefix.length()), v);
      }
    });
    return b.build();
  }

  /**
   * The keys whose values differ between this (old) and {@code other} (new), one line each:
   * {@code key: old -> new}, with {@code <unset>} for a missing side. Empty when equal.
   */
  public List<String> diff(HyperParameters other) {
    return changes(other).stream().map(ValueChange::toString).toList();
  }

  /** The keys whose values differ between this (old) and {@code other} (new), in key order. Empty when equal. */
  public List<ValueChange> changes(HyperParameters other) {
    Set<String> keys = new TreeSet<>(values.keySet());
    keys.addAll(other.values.keySet());
    List<ValueChange> changes = new ArrayList<>();
    for (String k : keys) {
      Object a = values.get(k);
      Object b = other.values.get(k);
      if (!Objects.equals(a, b)) {
        changes.add(ValueChange.of(k, a, b));
      }
    }
    return List.copyOf(changes);
  }

  /** The JSON object form. */
  public ObjectNode toJson() {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    values.forEach((k, v) -> node.set(k, toNode(v)));
    return node;
  }

  private static JsonNode toNode(Object v) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    if (v instanceof Long) {
      return f.numberNode((Long) v);
    } else if (v instanceof Double) {
      return f.numberNode((Double) v);
    } else if (v instanceof Boolean) {
      return f.booleanNode((Boolean) v);
    } else if (v instanceof String) {
      return f.textNode((String) v);
    }
    ArrayNode arr = f.arrayNode();
    for (Object o : (List<?>) v) {
      arr.add(toNode(o));
    }
    return arr;
  }

  /**
   * Parses the JSON object form.
   *
   * @throws IllegalArgumentException naming the key whose value is not a supported type
   */
  public static HyperParameters fromJson(JsonNode node) {
    checkArgument(node != null && node.isObject(), "hyperparameters must be a JSON object, got %s", node);
    Builder b = builder();
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      b.put(e.getKey(), fromNode(e.getKey(), e.getValue()));
    }
    return b.build();
  }

  private static Object fromNode(String key, JsonNode n) {
    if (n.isIntegralNumber()) {
      checkArgument(n.canConvertToLong(), "hyperparameter '%s' = %s is outside the 64-bit integer range", key, n);
      return n.longValue();
    } else if (n.isFloatingPointNumber()) {
      return n.doubleValue();
    } else if (n.isBoolean()) {
      return n.booleanValue();
    } else if (n.isTextual()) {
      return n.textValue();
    } else if (n.isArray()) {
      List<Object> l = new ArrayList<>();
      for (JsonNode c : n) {
        checkArgument(!c.isArray() && !c.isObject(), "hyperparameter '%s' holds a nested value %s", key, n);
        l.add(fromNode(key, c));
      }
      return List.copyOf(l);
    }
    throw new IllegalArgumentException("hyperparameter '" + key + "' has unsupported JSON value " + n);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof HyperParameters && values.equals(((HyperParameters) o).values);
  }

  @Override
  public int hashCode() {
    return values.hashCode();
  }

  @Override
  public String toString() {
    return "HyperParameters" + values;
  }

  /** Builds {@link HyperParameters}; a later {@code put} of a key replaces the earlier value. */
  public static final class Builder {
    private final TreeMap<String, Object> values = new TreeMap<>();

    private Builder() {}

    /**
     * Sets a value; an {@link Integer} is stored as a long and a {@link Float} as a double.
     *
     * @throws IllegalArgumentException for an unsupported type or a mixed-type list
     */
    public Builder put(String key, Object value) {
      checkNotNull(key, "key");
      checkArgument(!key.isEmpty(), "hyperparameter key must not be empty");
      values.put(key, normalize(key, value));
      return this;
    }

    /** Sets every value of {@code other}. */
    public Builder putAll(HyperParameters other) {
      values.putAll(other.values);
      return this;
    }

    /** Removes {@code key} if present. */
    public Builder remove(String key) {
      values.remove(key);
      return this;
    }

    /** The immutable set. */
    public HyperParameters build() {
      return values.isEmpty() ? EMPTY : new HyperParameters(new TreeMap<>(values));
    }

    private static Object normalize(String key, Object v) {
      checkArgument(v != null, "hyperparameter '%s' has no value", key);
      if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
        return ((Number) v).longValue();
      } else if (v instanceof Float || v instanceof Double) {
        double d = ((Number) v).doubleValue();
        // JSON has no infinity or NaN: the manifest would store them as strings
        checkArgument(Double.isFinite(d), "hyperparameter '%s' must be a finite number, got %s", key, d);
        return d;
      } else if (v instanceof Long || v instanceof Boolean || v instanceof String) {
        return v;
      } else if (v instanceof List) {
        List<Object> out = new ArrayList<>();
        Class<?> first = null;
        for (Object o : (List<?>) v) {
          Object n = normalize(key, o);
          checkArgument(!(n instanceof List), "hyperparameter '%s' holds a nested list", key);
          checkArgument(first == null || first == n.getClass(),
              "hyperparameter '%s' mixes types in its list %s", key, v);
          first = n.getClass();
          out.add(n);
        }
        return List.copyOf(out);
      }
      throw new IllegalArgumentException("hyperparameter '" + key + "' has unsupported type "
          + v.getClass().getName() + "; use long, double, boolean, string or a list of one of those");
    }
  }
}
