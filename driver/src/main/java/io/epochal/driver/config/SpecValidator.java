package io.epochal.driver.config;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpec;
import io.epochal.params.ParamSpecs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns raw key/value pairs (text from files and command lines, or typed values from a stored
 * spec) into the complete, typed hyperparameters of a job: every fixed key of {@link JobKeys}
 * and every declared key of the chosen model, optimizer and schedule, with defaults filled in.
 * The first mistake found is thrown as a {@link ConfigException}.
 */
final class SpecValidator {

  /** A raw value and where it came from; text from files and command lines is parsed by type. */
  static final class Sourced {
    final Object value;
    final String source;
    final boolean text;

    private Sourced(Object value, String source, boolean text) {
      this.value = checkNotNull(value, "value");
      this.source = checkNotNull(source, "source");
      this.text = text;
    }

    /** Text to parse with the declared type. */
    static Sourced text(String value, String source) {
      return new Sourced(value, source, true);
    }

    /** An already typed value, checked as it is. */
    static Sourced typed(Object value, String source) {
      return new Sourced(value, source, false);
    }
  }

  private final ModelCatalog catalog;

  /** A validator; {@code catalog} may be null to skip model, optimizer and schedule checks. */
  SpecValidator(ModelCatalog catalog) {
    this.catalog = catalog;
  }

  HyperParameters validate(Map<String, Sourced> raw) {
    ParamSpecs fixed = JobKeys.specs();
    Map<String, Map<String, Sourced>> prefixed = new LinkedHashMap<>();
    prefixed.put(JobKeys.MODEL_PREFIX, new LinkedHashMap<>());
    prefixed.put(JobKeys.OPTIMIZER_PREFIX, new LinkedHashMap<>());
    prefixed.put(JobKeys.SCHEDULE_PREFIX, new LinkedHashMap<>());
    for (Map.Entry<String, Sourced> e : raw.entrySet()) {
      String key = e.getKey();
      if (fixed.get(key) != null) {
        continue;
      }
      String prefix = prefixOf(key);
      if (prefix == null) {
        throw unknownKey(key, e.getValue().source, allKnownKeys(), "see conf/REFERENCE.md for every key");
      }
      prefixed.get(prefix).put(key.substring(prefix.length()), e.getValue());
    }
    HyperParameters.Builder out = HyperParameters.builder();
    for (ParamSpec spec : fixed.all()) {
      out.put(spec.name(), value(spec, spec.name(), raw.get(spec.name()), "see conf/REFERENCE.md"));
    }
    HyperParameters fixedValues = out.build();
    requireText(fixedValues, raw, JobKeys.JOB_NAME, "a job needs a name");
    requireText(fixedValues, raw, JobKeys.DATA_FEATURES, "give the feature column(s)");
    if (fixedValues.getLong(JobKeys.KEEP_BEST) > 0) {
      requireText(fixedValues, raw, JobKeys.BEST_METRIC, JobKeys.KEEP_BEST + " = "
          + fixedValues.getLong(JobKeys.KEEP_BEST) + " ranks checkpoints by it (e.g. train_loss)");
    }
    if (catalog == null) {
      prefixed.forEach((prefix, values) -> values.forEach((k, v) -> out.put(prefix + k, typedAsIs(prefix + k, v))));
      return out.build();
    }
    String model = fixedValues.getString(JobKeys.MODEL_NAME);
    long version = fixedValues.getLong(JobKeys.MODEL_VERSION);
    ParamSpecs modelSpecs = catalog.model(model, version).orElseThrow(() -> unknownModel(model, version, raw));
    checkPrefixed(JobKeys.MODEL_PREFIX, modelSpecs, prefixed.get(JobKeys.MODEL_PREFIX), out,
        "model " + model + " v" + version);
    String optimizer = fixedValues.getString(JobKeys.OPTIMIZER_NAME);
    ParamSpecs optSpecs = catalog.optimizer(optimizer).orElseThrow(() -> new ConfigException(JobKeys.OPTIMIZER_NAME,
        "optimizer.name = '" + optimizer + "' has no registered optimizer; use one of sgd, adam, adamw"));
    checkPrefixed(JobKeys.OPTIMIZER_PREFIX, optSpecs, prefixed.get(JobKeys.OPTIMIZER_PREFIX), out,
        "optimizer " + optimizer);
    String schedule = fixedValues.getString(JobKeys.SCHEDULE_NAME);
    ParamSpecs schedSpecs = catalog.schedule(schedule).orElseThrow(() -> {
      String near = ParamSpecs.nearest(schedule, catalog.scheduleNames());
      return new ConfigException(JobKeys.SCHEDULE_NAME, "schedule.name = '" + schedule
          + "' is not a registered schedule" + (near == null ? "" : "; did you mean '" + near + "'?")
          + "; use one of " + new TreeSet<>(catalog.scheduleNames()));
    });
    checkPrefixed(JobKeys.SCHEDULE_PREFIX, schedSpecs, prefixed.get(JobKeys.SCHEDULE_PREFIX), out,
        "schedule " + schedule);
    return out.build();
  }

  /**
   * Refuses a blank value of string key {@code key}, naming it and where it was set. A stored job's
   * typed values are not refused here: its spec cannot change, and it ran with them.
   */
  private static void requireText(HyperParameters values, Map<String, Sourced> raw, String key, String why) {
    Sourced given = raw.get(key);
    if (values.getString(key).isBlank() && (given == null || given.text)) {
      throw new ConfigException(key, key + " is empty" + (given == null ? "" : " (set in " + given.source + ")")
          + "; " + why + ": set it in the job file or with --set " + key + "=<value>");
    }
  }

  private void checkPrefixed(String prefix, ParamSpecs specs, Map<String, Sourced> given,
      HyperParameters.Builder out, String owner) {
    for (Map.Entry<String, Sourced> e : given.entrySet()) {
      if (specs.get(e.getKey()) == null) {
        List<String> known = new ArrayList<>();
        specs.all().forEach(s -> known.add(prefix + s.name()));
        List<String> candidates = new ArrayList<>(known);
        JobKeys.specs().all().forEach(s -> {
          if (s.name().startsWith(prefix)) {
            candidates.add(s.name());
          }
        });
        throw unknownKey(prefix + e.getKey(), e.getValue().source, candidates, owner + " declares " + known);
      }
    }
    for (ParamSpec spec : specs.all()) {
      String key = prefix + spec.name();
      checkNotClashing(key);
      out.put(key, value(spec, key, given.get(spec.name()), owner));
    }
  }

  private static void checkNotClashing(String key) {
    if (JobKeys.specs().get(key) != null) {
      throw new IllegalStateException("a catalog declares '" + key + "', which is a fixed job key; rename it");
    }
  }

  private static Object value(ParamSpec spec, String key, Sourced given, String where) {
    if (given == null) {
      if (spec.required()) {
        throw new ConfigException(key, "missing required key '" + key + "' (" + spec.type().displayName()
            + ", " + spec.rangeText() + "): " + spec.doc() + " Set it in the job file or with --set " + key
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
        throw new ConfigException(key, key + " = " + shown + " (from " + given.source + ") is not "
            + spec.type().withArticle() + "; give " + spec.type().withArticle() + " in " + spec.rangeText(), e);
      }
    }
    try {
      return spec.check(v);
    } catch (IllegalArgumentException e) {
      boolean typeError = !spec.type().accepts(spec.type().coerce(v));
      boolean choice = !typeError && spec.rangeText().startsWith("one of");
      throw new ConfigException(key, key + " = " + shown + " (from " + given.source + ") is "
          + (typeError ? "not " + spec.type().withArticle() : choice ? "not allowed" : "out of range") + "; give "
          + (choice ? "" : spec.type().withArticle() + " in ") + spec.rangeText() + " (" + where + ")", e);
    }
  }

  private static Object typedAsIs(String key, Sourced v) {
    if (v.value instanceof String) {
      return v.value;
    }
    return HyperParameters.builder().put(key, v.value).build().get(key);
  }

  private ConfigException unknownModel(String model, long version, Map<String, Sourced> raw) {
    Set<Long> versions = catalog.versions(model);
    if (!versions.isEmpty()) {
      return new ConfigException(JobKeys.MODEL_VERSION, "model.version = " + version + " is not registered for model '"
          + model + "'; use one of " + new TreeSet<>(versions));
    }
    String near = ParamSpecs.nearest(model, catalog.modelNames());
    Sourced src = raw.get(JobKeys.MODEL_NAME);
    return new ConfigException(JobKeys.MODEL_NAME, "model.name = '" + model + "'"
        + (src == null ? "" : " (from " + src.source + ")") + " is not a registered model"
        + (near == null ? "" : "; did you mean '" + near + "'?") + "; registered models: "
        + new TreeSet<>(catalog.modelNames()));
  }

  static ConfigException unknownKey(String key, String source, Iterable<String> known, String hint) {
    List<String> candidates = new ArrayList<>();
    known.forEach(candidates::add);
    String near = ParamSpecs.nearest(key, candidates);
    return new ConfigException(key, "unknown key '" + key + "' (from " + source + ")"
        + (near == null ? "; remove it" : "; did you mean '" + near + "'?") + " (" + hint + ")");
  }

  private static String prefixOf(String key) {
    for (String p : List.of(JobKeys.MODEL_PREFIX, JobKeys.OPTIMIZER_PREFIX, JobKeys.SCHEDULE_PREFIX)) {
      if (key.startsWith(p) && key.length() > p.length()) {
        return p;
      }
    }
    return null;
  }

  private static List<String> allKnownKeys() {
    List<String> keys = new ArrayList<>();
    JobKeys.specs().all().forEach(s -> keys.add(s.name()));
    return keys;
  }
}
