package io.epochal.params;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.Optional;

/**
 * One hyperparameter that differs between two sets: its key, the old value and the new one, either
 * side absent when the key was unset there. Immutable; values are those {@link HyperParameters}
 * holds. Its JSON form {@code {"key": ..., "from": ..., "to": ...}} keeps the values typed (a side
 * that is unset has no field), so a reader never parses them back out of a sentence.
 */
public final class ValueChange {

  private final String key;
  private final Object from;
  private final Object to;

  private ValueChange(String key, Object from, Object to) {
    this.key = checkNotNull(key, "key");
    checkArgument(!Objects.equals(from, to), "a change of '%s' must change its value, got %s twice", key, from);
    this.from = from;
    this.to = to;
  }

  /**
   * The change of {@code key} from {@code from} to {@code to}; null for an unset side.
   *
   * @throws IllegalArgumentException if the two are equal or a value is not a hyperparameter value
   */
  public static ValueChange of(String key, Object from, Object to) {
    return new ValueChange(key, checked(key, from), checked(key, to));
  }

  private static Object checked(String key, Object v) {
    return v == null ? null : HyperParameters.builder().put(key, v).build().get(key);
  }

  /** The hyperparameter's key. */
  public String getKey() {
    return key;
  }

  /** The old value, empty if the key was unset. */
  public Optional<Object> getFrom() {
    return Optional.ofNullable(from);
  }

  /** The new value, empty if the key is unset now. */
  public Optional<Object> getTo() {
    return Optional.ofNullable(to);
  }

  /**
   * The old value as a command line or a Spark conf entry spells it: a string without quotes, any
   * other value as {@link String#valueOf}; empty if the key was unset.
   */
  public Optional<String> fromText() {
    return getFrom().map(v -> v instanceof String ? (String) v : String.valueOf(v));
  }

  /** The JSON form: {@code key}, and {@code from} and {@code to} where set. */
  public ObjectNode toJson() {
    ObjectNode n = JsonNodeFactory.instance.objectNode();
    n.put("key", key);
    if (from != null) {
      n.set("from", HyperParameters.builder().put(key, from).build().toJson().get(key));
    }
    if (to != null) {
      n.set("to", HyperParameters.builder().put(key, to).build().toJson().get(key));
    }
    return n;
  }

  /**
   * Parses the JSON form.
   *
   * @throws IllegalArgumentException naming the field that is missing or not a hyperparameter value
   */
  public static ValueChange fromJson(JsonNode n) {
    checkArgument(n != null && n.isObject(), "a change must be a JSON object, got %s", n);
    JsonNode key = n.get("key");
    checkArgument(key != null && key.isTextual(), "a change's field 'key' must be a string, got %s", n);
    String k = key.textValue();
    return new ValueChange(k, side(k, n, "from"), side(k, n, "to"));
  }

  private static Object side(String key, JsonNode n, String field) {
    if (!n.hasNonNull(field)) {
      return null;
    }
    ObjectNode one = JsonNodeFactory.instance.objectNode();
    one.set(key, n.get(field));
    return HyperParameters.fromJson(one).get(key);
  }

  /** {@code key: old -> new}, strings quoted and an unset side {@code <unset>}, as {@link HyperParameters#diff} says it. */
  @Override
  public String toString() {
    return key + ": " + render(from) + " -> " + render(to);
  }

  static String render(Object v) {
    if (v == null) {
      return "<unset>";
    }
    return v instanceof String ? "\"" + v + "\"" : String.valueOf(v);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ValueChange c && key.equals(c.key) && Objects.equals(from, c.from) && Objects.equals(to, c.to);
  }

  @Override
  public int hashCode() {
    return Objects.hash(key, from, to);
  }
}
