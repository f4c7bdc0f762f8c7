package io.epochal.driver.config;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpec;
import io.epochal.params.ParamSpecs;
import io.epochal.worker.optim.Optimizers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeSet;

/**
 * Turns raw key/value pairs (text from files and command lines, or typed values from a stored
 * spec) into the complete, typed hyperparameters of a job: every fixed key of {@link JobKeys}
 * and every declared key of the chosen model, optimizer and schedule, with defaults filled in.
 * Every mistake found is reported in one {@link ConfigException}; a model, optimizer or schedule
 * that is not registered hides the mistakes in its own keys until it is fixed.
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

  /**
   * The typed hyperparameters of {@code raw}.
   *
   * @throws ConfigException listing every problem found: unknown keys, bad values, missing keys,
   *     and an unregistered model, optimizer or schedule (whose own keys are then not checked)
   */
  HyperParameters validate(Map<String, Sourced> raw) {
    List<ConfigException> problems = new ArrayList<>();
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
        problems.add(UnknownKeys.unprefixed(key, e.getValue().source, raw, catalog));
        continue;
      }
      prefixed.get(prefix).put(key.substring(prefix.length()), e.getValue());
    }
    HyperParameters.Builder out = HyperParameters.builder();
    java.util.Set<String> missingRequired = new java.util.HashSet<>();
    java.util.Set<String> invalid = new java.util.HashSet<>();
    for (ParamSpec spec : fixed.all()) {
      try {
        Object v = ValueCheck.value(spec, spec.name(), raw.get(spec.name()), "see conf/REFERENCE.md");
        Sourced given = raw.get(spec.name());
        if (spec.name().equals(JobKeys.DATA_FEATURES) && given != null && given.text) {
          v = FeatureColumnsCheck.columnList((String) v, given, problems); // stored ones kept as they are
        }
        out.put(spec.name(), v);
      } catch (ConfigException e) {
        problems.add(e);
        invalid.add(spec.name());
        if (spec.required()) {
          missingRequired.add(spec.name()); // reported with the other keys' problems
          continue;
        }
        out.put(spec.name(), spec.defaultValue()); // lets the checks below go on; the problem is reported
      }
    }
    HyperParameters fixedValues = out.build();
    requireText(fixedValues, raw, JobKeys.JOB_NAME, "a job needs a name", problems);
    requireText(fixedValues, raw, JobKeys.DATA_FEATURES, "give the feature column(s)", problems);
    FeatureColumnsCheck.refuseClashingColumns(fixedValues, raw, problems);
    if (missingRequired.contains(JobKeys.MODEL_NAME) || missingRequired.contains(JobKeys.MODEL_VERSION)) {
      throw ConfigException.of(problems); // the model's keys depend on them
    }
    if (fixedValues.getLong(JobKeys.KEEP_BEST) > 0) {
      requireText(fixedValues, raw, JobKeys.BEST_METRIC, JobKeys.KEEP_BEST + " = "
          + fixedValues.getLong(JobKeys.KEEP_BEST) + " ranks checkpoints by it (e.g. train_loss)", problems);
    }
    try {
      io.epochal.driver.spark.GpuResources.checkCounts(fixedValues.getLong(JobKeys.GPUS_PER_EXECUTOR),
          fixedValues.getLong(JobKeys.GPUS_PER_TASK)); // with the others, not when Spark starts
    } catch (IllegalArgumentException e) {
      problems.add(new ConfigException(JobKeys.GPUS_PER_TASK, e.getMessage()));
    }
    int metricProblemsAt = problems.size(); // reported before the model's, as they read keys of the job's own
    if (catalog == null) {
      prefixed.forEach((prefix, values) -> values.forEach((k, v) -> out.put(prefix + k,
          ValueCheck.typedAsIs(prefix + k, v))));
    } else {
      checkCatalogKeys(raw, fixedValues, prefixed, out, problems, invalid);
    }
    HyperParameters values = out.build();
    java.util.function.Supplier<OptionalInt> outputs = catalog == null ? OptionalInt::empty
        : com.google.common.base.Suppliers.memoize(() -> CreationCheck.outputs(catalog, values));
    List<ConfigException> metricProblems = new ArrayList<>();
    BestMetricCheck.requireRecorded(values, raw, outputs, metricProblems); // also unused: a later keep_best ranks by it
    BestMetricCheck.requirePatience(values, raw, metricProblems);
    BestMetricCheck.refuseTiming(values, raw, metricProblems);
    problems.addAll(metricProblemsAt, metricProblems);
    BestMetricCheck.requireMonitorRecorded(values, raw, outputs, problems);
    if (catalog != null && missingRequired.isEmpty()) { // the creation checks read every required key
      // with the others: only a part whose declared keys all hold valid values (unknown keys aside)
      boolean optimizer = !invalid.contains(JobKeys.OPTIMIZER_NAME) && holdsAll(values, JobKeys.OPTIMIZER_PREFIX,
          catalog.optimizer(values.getString(JobKeys.OPTIMIZER_NAME)));
      boolean schedule = !invalid.contains(JobKeys.SCHEDULE_NAME) && values.asMap().containsKey(
          JobKeys.OPTIMIZER_PREFIX + "lr") && holdsAll(values, JobKeys.SCHEDULE_PREFIX,
          catalog.schedule(values.getString(JobKeys.SCHEDULE_NAME)));
      new CreationCheck(catalog).check(values, raw, problems, optimizer, schedule);
    }
    if (!problems.isEmpty()) {
      throw ConfigException.of(problems);
    }
    return values;
  }


  /**
   * The model's, optimizer's and schedule's own keys, each checked only if its name is registered
   * and valid ({@code invalid}: fixed keys already refused, whose default stands in for them).
   */
  private void checkCatalogKeys(Map<String, Sourced> raw, HyperParameters fixedValues,
      Map<String, Map<String, Sourced>> prefixed, HyperParameters.Builder out, List<ConfigException> problems,
      java.util.Set<String> invalid) {
    String model = fixedValues.getString(JobKeys.MODEL_NAME);
    long version = fixedValues.getLong(JobKeys.MODEL_VERSION);
    Optional<ParamSpecs> modelSpecs = catalog.model(model, version);
    if (invalid.contains(JobKeys.MODEL_VERSION) && !catalog.versions(model).isEmpty()) {
      // reported; the default version standing in for it is no version the file gave: its keys are checked once
      // it names one
    } else if (modelSpecs.isEmpty()) {
      problems.add(unknownModel(model, version, raw));
    } else {
      checkPrefixed(JobKeys.MODEL_PREFIX, modelSpecs.get(), prefixed.get(JobKeys.MODEL_PREFIX), out,
          "model " + model + " v" + version, problems);
    }
    String optimizer = fixedValues.getString(JobKeys.OPTIMIZER_NAME);
    Optional<ParamSpecs> optSpecs = catalog.optimizer(optimizer);
    if (invalid.contains(JobKeys.OPTIMIZER_NAME)) {
      // reported; its keys are checked once it names an optimizer
    } else if (optSpecs.isEmpty()) {
      Sourced src = raw.get(JobKeys.OPTIMIZER_NAME);
      String near = ParamSpecs.nearest(optimizer, Optimizers.NAMES);
      problems.add(new ConfigException(JobKeys.OPTIMIZER_NAME, "optimizer.name = '" + optimizer + "'"
          + (src == null ? "" : " (from " + src.source + ")") + " is not a registered optimizer"
          + (near == null ? "" : "; did you mean '" + near + "'?") + "; use one of "
          + String.join(", ", Optimizers.NAMES)));
    } else {
      checkPrefixed(JobKeys.OPTIMIZER_PREFIX, optSpecs.get(), prefixed.get(JobKeys.OPTIMIZER_PREFIX), out,
          "optimizer " + optimizer, problems);
    }
    String schedule = fixedValues.getString(JobKeys.SCHEDULE_NAME);
    Optional<ParamSpecs> schedSpecs = catalog.schedule(schedule);
    if (invalid.contains(JobKeys.SCHEDULE_NAME)) {
      // reported; its keys are checked once it names a schedule
    } else if (schedSpecs.isEmpty()) {
      String near = ParamSpecs.nearest(schedule, catalog.scheduleNames());
      Sourced src = raw.get(JobKeys.SCHEDULE_NAME);
      problems.add(new ConfigException(JobKeys.SCHEDULE_NAME, "schedule.name = '" + schedule + "'"
          + (src == null ? "" : " (from " + src.source + ")") + " is not a registered schedule" + (near == null ? "" : "; did you mean '" + near + "'?")
          + "; use one of " + new TreeSet<>(catalog.scheduleNames())));
    } else {
      Map<String, Sourced> given = new LinkedHashMap<>(prefixed.get(JobKeys.SCHEDULE_PREFIX));
      // a key only other schedules declare (schedule.patience with cosine): said as such, not as unknown
      given.entrySet().removeIf(e -> schedSpecs.get().get(e.getKey()) == null && catalog.scheduleNames().stream()
          .flatMap(n -> catalog.schedule(n).map(d -> d.get(e.getKey())).stream()).filter(d -> d != null).findFirst()
          .map(d -> ValueCheck.isDefault(d, JobKeys.SCHEDULE_PREFIX + e.getKey(), e.getValue())
              || notRead(schedule, e.getKey(), e.getValue(), problems)).orElse(false));
      checkPrefixed(JobKeys.SCHEDULE_PREFIX, schedSpecs.get(), given, out,
          "schedule " + schedule, problems, n -> catalog.scheduleKeyUsers(n).contains(schedule));
      checkReadBySchedule(schedule, schedSpecs.get(), prefixed.get(JobKeys.SCHEDULE_PREFIX), problems);
    }
  }

  /**
   * Refuses a blank value of string key {@code key}, naming it and where it was set. A stored job's
   * typed values are not refused here: its spec cannot change, and it ran with them.
   */
  private static void requireText(HyperParameters values, Map<String, Sourced> raw, String key, String why,
      List<ConfigException> problems) {
    Sourced given = raw.get(key);
    if (!values.asMap().containsKey(key)) {
      return; // missing: reported as such
    }
    if (values.getString(key).isBlank() && (given == null || given.text)) {
      problems.add(new ConfigException(key, key + " is empty" + (given == null ? "" : " (set in " + given.source + ")")
          + "; " + why + ": set it in the job file or with --set " + key + "=<value>"));
    }
  }

  private void checkPrefixed(String prefix, ParamSpecs specs, Map<String, Sourced> given,
      HyperParameters.Builder out, String owner, List<ConfigException> problems) {
    checkPrefixed(prefix, specs, given, out, owner, problems, n -> true);
  }

  /** As above; an unknown key's message lists the declared keys {@code read} accepts (a schedule's own). */
  private void checkPrefixed(String prefix, ParamSpecs specs, Map<String, Sourced> given,
      HyperParameters.Builder out, String owner, List<ConfigException> problems,
      java.util.function.Predicate<String> read) {
    for (Map.Entry<String, Sourced> e : given.entrySet()) {
      if (specs.get(e.getKey()) == null) {
        List<String> known = new ArrayList<>();
        specs.all().stream().filter(s -> read.test(s.name())).forEach(s -> known.add(prefix + s.name()));
        List<String> candidates = new ArrayList<>(known);
        JobKeys.specs().all().forEach(s -> {
          if (s.name().startsWith(prefix)) {
            candidates.add(s.name());
          }
        });
        List<String> others = prefix.equals(JobKeys.OPTIMIZER_PREFIX) ? optimizersDeclaring(e.getKey()) : List.of();
        problems.add(others.isEmpty()
            ? UnknownKeys.of(prefix + e.getKey(), e.getValue().source, candidates, owner + " declares " + known)
            : new ConfigException(prefix + e.getKey(), "key '" + prefix + e.getKey() + "' (from " + e.getValue().source
                + ") is a hyperparameter of optimizer " + String.join(", ", others) + ", not of " + owner + " ("
                + JobKeys.OPTIMIZER_NAME + "); set " + JobKeys.OPTIMIZER_NAME + " to " + (others.size() == 1 ? ""
                : "one of ") + String.join(", ", others) + ", or remove the key (" + owner + " declares " + known + ")"));
      }
    }
    for (ParamSpec spec : specs.all()) {
      String key = prefix + spec.name();
      checkNotClashing(key, owner);
      try {
        out.put(key, ValueCheck.value(spec, key, given.get(spec.name()), owner));
      } catch (ConfigException e) {
        problems.add(e);
      }
    }
  }

  /**
   * Refuses a schedule key given as text (job file, {@code --set}, Spark conf) that {@code schedule}
   * does not read: a {@code schedule.gamma} with the constant schedule would change nothing, and
   * the user meant something. A stored job's typed values are not refused: it ran with them.
   */
  private void checkReadBySchedule(String schedule, ParamSpecs specs, Map<String, Sourced> given,
      List<ConfigException> problems) {
    for (Map.Entry<String, Sourced> e : given.entrySet()) {
      Set<String> users = catalog.scheduleKeyUsers(e.getKey());
      if (e.getValue().text && specs.get(e.getKey()) != null && !users.isEmpty() && !users.contains(schedule)) {
        if (ValueCheck.isDefault(specs.get(e.getKey()), JobKeys.SCHEDULE_PREFIX + e.getKey(), e.getValue())) {
          continue; // as a resolved spec lists it (job.json, --dry-run): it changes nothing
        }
        notRead(schedule, e.getKey(), e.getValue(), problems);
      }
    }
  }

  /** Adds the error for schedule key {@code name}, which {@code schedule} does not read: false when none does. */
  private boolean notRead(String schedule, String name, Sourced given, List<ConfigException> problems) {
    List<String> readers = List.copyOf(new TreeSet<>(catalog.scheduleKeyUsers(name)));
    if (readers.isEmpty()) {
      return false;
    }
    String key = JobKeys.SCHEDULE_PREFIX + name;
    String names = readers.size() == 1 ? readers.get(0) : String.join(", ", readers.subList(0, readers.size() - 1))
        + " and " + readers.get(readers.size() - 1);
    problems.add(new ConfigException(key, key + " (set in " + given.source + ") is not read by "
        + JobKeys.SCHEDULE_NAME + " = '" + schedule + "'; only " + names + " read"
        + (readers.size() == 1 ? "s" : "") + " it: remove it, or set " + JobKeys.SCHEDULE_NAME + "=" + readers.get(0)));
    return true;
  }

  /** Refuses a hyperparameter {@code owner} declares whose key is a job key of Epochal's own: its code is to fix. */
  private static void checkNotClashing(String key, String owner) {
    if (JobKeys.specs().get(key) != null) {
      throw new io.epochal.worker.model.ModelCodeException(owner + " declares the hyperparameter '"
          + key.substring(key.indexOf('.') + 1) + "', whose key " + key + " is a job key of Epochal's own: rename it "
          + "in its params()", null);
    }
  }

  /** Whether {@code values} holds every key {@code specs} declares under {@code prefix} (none was refused). */
  private static boolean holdsAll(HyperParameters values, String prefix, Optional<ParamSpecs> specs) {
    return specs.isPresent() && specs.get().all().stream().allMatch(s -> values.asMap().containsKey(prefix + s.name()));
  }

  /** The optimizers that declare hyperparameter {@code name} (without the prefix). */
  private List<String> optimizersDeclaring(String name) {
    List<String> out = new ArrayList<>();
    for (String o : Optimizers.NAMES) {
      if (catalog.optimizer(o).map(specs -> specs.get(name) != null).orElse(false)) {
        out.add(o);
      }
    }
    return out;
  }

  private ConfigException unknownModel(String model, long version, Map<String, Sourced> raw) {
    Set<Long> versions = catalog.versions(model);
    if (!versions.isEmpty()) {
      Sourced src = raw.get(JobKeys.MODEL_VERSION);
      return new ConfigException(JobKeys.MODEL_VERSION, "model.version = " + version + (src == null ? ""
          : " (from " + src.source + ")") + " is not registered for model '" + model + "' (registered: "
          + new TreeSet<>(versions) + "): a new job may use one of those; a job trained with v" + version + " keeps "
          + "it, so put the jar that registers " + model + " v" + version + " on the class path (EPOCHAL_CLASSPATH, "
          + "spark-submit --jars)");
    }
    String near = ParamSpecs.nearest(model, catalog.modelNames());
    Sourced src = raw.get(JobKeys.MODEL_NAME);
    return new ConfigException(JobKeys.MODEL_NAME, "model.name = '" + model + "'"
        + (src == null ? "" : " (from " + src.source + ")") + " is not a registered model"
        + (near == null ? "" : "; did you mean '" + near + "'?") + "; registered models: "
        + new TreeSet<>(catalog.modelNames()));
  }

  private static String prefixOf(String key) {
    for (String p : List.of(JobKeys.MODEL_PREFIX, JobKeys.OPTIMIZER_PREFIX, JobKeys.SCHEDULE_PREFIX)) {
      if (key.startsWith(p) && key.length() > p.length()) {
        return p;
      }
    }
    return null;
  }
}
