package io.epochal.driver.config;

import io.epochal.driver.config.SpecValidator.Sourced;
import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpec;
import io.epochal.params.ParamSpecs;
import java.util.List;

/**
 * One raw value of a job key read against the key's declaration for the {@link SpecValidator}: text
 * parsed by the declared type, the value checked against the declared range or choices, and the
 * message that says what is wrong with a missing, unparsable or out-of-range value and what to give.
 */
final class ValueCheck {

  private ValueCheck() {}

  /**
   * The value of {@code key}, declared by {@code spec}, that {@code given} sets (text parsed by its
   * type), or its default when not given; {@code where}, the key's declaration, is named when it is out of range.
   *
   * @throws ConfigException when a required key is missing, or the value does not parse or is out of range
   */
  static Object value(ParamSpec spec, String key, Sourced given, String where) {
    if (given == null) {
      if (spec.required()) {
        throw new ConfigException(key, "missing required key '" + key + "' (" + spec.type().displayName()
            + ", " + spec.rangeText() + "): " + sentence(spec.doc()) + " Set it in the job file or with --set " + key
            + "=<value>");
      }
      return spec.defaultValue();
    }
    Object v = given.value;
    String shown = v instanceof String ? "'" + v + "'" : String.valueOf(v);
    if (given.text && spec.type() != io.epochal.params.ParamType.STRING) {
      try {
        v = spec.type().parse((String) v);
      } catch (IllegalArgumentException e) {
        boolean infinite = String.valueOf(e.getMessage()).endsWith("is not a finite number"); // 1e400, NaN
        boolean huge = ((String) v).strip().matches("[+-]?\\d{19,}"); // digits only, beyond a 64-bit integer
        throw new ConfigException(key, key + " = " + shown + " (from " + given.source + ") is "
            + (huge ? "an integer too large for 64 bits" : "not " + (infinite ? "a finite number"
            : spec.type().withArticle())) + "; give " + accepted(spec), e);
      }
    }
    try {
      return spec.check(v);
    } catch (IllegalArgumentException e) {
      boolean typeError = !spec.type().accepts(spec.type().coerce(v));
      boolean choice = !typeError && spec.rangeText().startsWith("one of");
      String near = choice && v instanceof String ? ParamSpecs.nearest((String) v, List.copyOf(spec.allowed())) : null;
      throw new ConfigException(key, key + " = " + shown + " (from " + given.source + ") is "
          + (typeError ? "not " + spec.type().withArticle() : choice ? "not allowed" : "out of range")
          + (near == null ? "" : " (did you mean '" + near + "'?)") + "; give "
          + (choice ? spec.rangeText() : accepted(spec)) + " (" + where + ")"
          + (typeError || choice ? "" : JobKeys.rangeHint(key, v)), e);
    }
  }

  /** Whether {@code given} is {@code spec}'s default value (false if it does not parse). */
  static boolean isDefault(ParamSpec spec, String key, Sourced given) {
    try {
      return java.util.Objects.equals(value(spec, key, given, ""), spec.defaultValue());
    } catch (ConfigException e) {
      return false;
    }
  }

  /** {@code v} unchecked: text as it is, a typed value as {@link HyperParameters} holds it. */
  static Object typedAsIs(String key, Sourced v) {
    if (v.value instanceof String) {
      return v.value;
    }
    return HyperParameters.builder().put(key, v.value).build().get(key);
  }

  /** "an integer in [1, 100]", "an integer" where any value of the type is allowed, "true or false". */
  private static String accepted(ParamSpec spec) {
    if (spec.type() == io.epochal.params.ParamType.BOOLEAN) {
      return "true or false";
    }
    String range = spec.rangeText();
    return spec.type().withArticle() + (range.equals("any") ? "" : " in " + range);
  }

  /** {@code text} ending with a full stop. */
  private static String sentence(String text) {
    String t = text.strip();
    return t.isEmpty() || t.endsWith(".") ? t : t + ".";
  }
}
