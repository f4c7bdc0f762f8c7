package io.epochal.params;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** The type of a declared hyperparameter, with its text parser (for files and command lines). */
public enum ParamType {
  /** A 64-bit integer. */
  LONG("integer"),
  /** A 64-bit float. */
  DOUBLE("number"),
  /** true or false. */
  BOOLEAN("boolean"),
  /** Any text. */
  STRING("string"),
  /** Comma-separated integers, e.g. {@code 256,128}. */
  LONG_LIST("list of integers"),
  /** Comma-separated floats. */
  DOUBLE_LIST("list of numbers");

  private final String displayName;

  ParamType(String displayName) {
    this.displayName = displayName;
  }

  /** The name used in messages and docs: integer, number, boolean, string, list of integers, ... */
  public String displayName() {
    return displayName;
  }

  /** The name with its indefinite article, for messages: "an integer", "a list of numbers". */
  public String withArticle() {
    return ("aeiou".indexOf(displayName.charAt(0)) >= 0 ? "an " : "a ") + displayName;
  }

  /** Whether {@code value} (a normalized {@link HyperParameters} value) is of this type. */
  public boolean accepts(Object value) {
    switch (this) {
      case LONG:
        return value instanceof Long;
      case DOUBLE:
        return value instanceof Double;
      case BOOLEAN:
        return value instanceof Boolean;
      case STRING:
        return value instanceof String;
      case LONG_LIST:
        return value instanceof List && ((List<?>) value).stream().allMatch(Long.class::isInstance);
      case DOUBLE_LIST:
        return value instanceof List && ((List<?>) value).stream().allMatch(Double.class::isInstance);
      default:
        throw new AssertionError(this);
    }
  }

  /**
   * Converts a value of a compatible type: a long where a double is declared becomes a double, a
   * single number where a list is declared becomes a one-element list. Anything else is returned
   * unchanged (and then fails {@link #accepts}).
   */
  public Object coerce(Object value) {
    if (this == DOUBLE && value instanceof Long) {
      return ((Long) value).doubleValue();
    }
    if (this == DOUBLE_LIST && value instanceof List
        && ((List<?>) value).stream().allMatch(Number.class::isInstance)) {
      List<Object> out = new ArrayList<>();
      for (Object o : (List<?>) value) {
        out.add(((Number) o).doubleValue());
      }
      return List.copyOf(out);
    }
    if (this == DOUBLE_LIST && value instanceof Number) {
      return List.of(((Number) value).doubleValue());
    }
    if (this == LONG_LIST && value instanceof Long) {
      return List.of(value);
    }
    return value;
  }

  /**
   * Parses the text form of a value.
   *
   * @throws IllegalArgumentException saying what was expected
   */
  public Object parse(String text) {
    String t = text.trim();
    try {
      switch (this) {
        case LONG:
          return Long.parseLong(t.replace("_", ""));
        case DOUBLE:
          return decimal(text, t);
        case BOOLEAN:
          if (t.equalsIgnoreCase("true") || t.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(t.toLowerCase(Locale.ROOT));
          }
          throw new IllegalArgumentException("'" + text + "' is not a boolean; use true or false");
        case STRING:
          return text;
        case LONG_LIST: {
          List<Object> l = new ArrayList<>();
          for (String p : splitList(t)) {
            l.add(Long.parseLong(p));
          }
          return List.copyOf(l);
        }
        case DOUBLE_LIST: {
          List<Object> l = new ArrayList<>();
          for (String p : splitList(t)) {
            l.add(decimal(text, p));
          }
          return List.copyOf(l);
        }
        default:
          throw new AssertionError(this);
      }
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not " + withArticle(), e);
    }
  }

  /**
   * {@code part} of {@code text} as a decimal number, as JSON and Python write one: Java's own
   * parser also takes {@code 0.01f}, {@code 1d} and hexadecimal floats ({@code 0x1p-3}), which no
   * other tool reading the job's files would, so they are refused.
   */
  private double decimal(String text, String part) {
    if (!DECIMAL.matcher(part).matches()) {
      if (NON_FINITE.matcher(part).matches()) {
        throw new IllegalArgumentException("'" + text + "' is not a finite number");
      }
      throw new IllegalArgumentException("'" + text + "' is not " + withArticle() + ": write "
          + (this == DOUBLE ? "it" : "each") + " as a decimal number such as 0.001, 1e-3 or 2");
    }
    return finite(text, Double.parseDouble(part));
  }

  /**
   * {@code text} as a decimal number, as JSON and Python write one, for a value a key holds in its own text (a list
   * of weights, {@code pattern:scale} entries): not {@code 0.01f}, {@code 1d} or {@code 0x1p-3}, which Java's parser
   * alone takes. {@code NaN} and {@code Infinity} are read as such, for the caller to refuse as not finite.
   *
   * @throws NumberFormatException if {@code text} is no such number
   */
  public static double parseDecimal(String text) {
    if (!DECIMAL.matcher(text).matches() && !NON_FINITE.matcher(text).matches()) {
      throw new NumberFormatException("'" + text + "' is not a decimal number");
    }
    return Double.parseDouble(text);
  }

  /** {@code d} if finite: JSON, and so the manifest and {@code job.json}, has no infinity or NaN. */
  private static double finite(String text, double d) {
    if (!Double.isFinite(d)) {
      throw new IllegalArgumentException("'" + text + "' is not a finite number");
    }
    return d;
  }

  private static final java.util.regex.Pattern DECIMAL =
      java.util.regex.Pattern.compile("[+-]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?");

  private static final java.util.regex.Pattern NON_FINITE = java.util.regex.Pattern.compile("[+-]?(Infinity|NaN)");

  private static List<String> splitList(String t) {
    String s = t;
    if (s.startsWith("[") && s.endsWith("]")) {
      s = s.substring(1, s.length() - 1);
    }
    List<String> parts = new ArrayList<>();
    if (s.isBlank()) {
      return parts;
    }
    for (String p : s.split(",")) {
      parts.add(p.trim());
    }
    return parts;
  }
}
