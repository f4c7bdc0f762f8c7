package io.epochal.driver.app;

import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobKeys;
import io.epochal.params.HyperParameters;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Job keys given to {@code resume} as Spark conf entries ({@code --conf spark.epochal.<key>=...},
 * or from spark-submit and {@code spark-defaults.conf}). A resume takes every job key from the
 * job's {@code job.json}; an entry that agrees with it is accepted (the same spark-submit line
 * that started the job may resume it), one that differs is refused with the difference, as a
 * {@code train} with changed hyperparameters on an existing job directory is; only a retention,
 * retry or lease key ({@link JobKeys#OPERATIONAL}) may differ, and amends the job.
 */
final class ResumeConfCheck {

  private ResumeConfCheck() {}

  /**
   * Refuses the {@code spark.epochal.*} entries of {@code sparkConf} that differ from {@code
   * stored}, except retention, retry and lease keys.
   *
   * @return the entries of retention, retry and lease keys that differ, by key: they amend the job
   * @throws ConfigException listing every other differing key as {@code key: stored -> given}
   */
  static Map<String, String> check(Map<String, String> sparkConf, HyperParameters stored, String jobDir,
      org.apache.hadoop.conf.Configuration conf) {
    Comparison c = compare(sparkConf, stored, conf);
    if (!c.unknown().isEmpty()) {
      throw unknown(c.unknown(), stored.asMap().keySet(), jobDir);
    }
    if (!c.refused().isEmpty()) {
      throw new ConfigException(JobKeys.SPARK_CONF_PREFIX + "*", "resume takes every job key from the job.json of "
          + jobDir + " (with --epochs, --data or --relocate applied), and these Spark conf entries differ from it "
          + "(job -> Spark conf):\n  " + String.join(";\n  ", c.refused()) + ".\nRemove them to resume the job as it "
          + "is, or start a new job directory to train with them (through the Spark conf a resume changes only "
          + "the held-out rows, retention, early stopping, retry and lease keys; train.epochs with --epochs, "
          + "data.path with --data)");
    }
    return c.amended();
  }

  /**
   * {@code sparkConf} without the {@code spark.epochal.*} entries that restate the stored value of a
   * key the command line amends ({@code --epochs}, {@code --data}, {@code --relocate}): a spark-submit
   * line that started the job still carries them, and the flag is the change asked for. An entry
   * that gives a third value stays, and is refused.
   */
  static Map<String, String> withoutRestated(Map<String, String> sparkConf, HyperParameters stored,
      HyperParameters amended, org.apache.hadoop.conf.Configuration conf) {
    Map<String, String> kept = new TreeMap<>(sparkConf);
    sparkConf.forEach((k, v) -> {
      if (!k.startsWith(JobKeys.SPARK_CONF_PREFIX)) {
        return;
      }
      String key = k.substring(JobKeys.SPARK_CONF_PREFIX.length());
      Object was = stored.asMap().get(key);
      Object now = amended.asMap().get(key);
      if (was != null && !was.equals(now) && sameValue(key, was, v, conf)) {
        kept.remove(k);
      }
    });
    return kept;
  }

  /**
   * How the {@code spark.epochal.*} entries of {@code sparkConf} differ from {@code stored}, placement
   * keys aside: retention, retry and lease keys by key ({@link Comparison#amended()}), every other
   * key as a {@code key: stored -> given} line ({@link Comparison#refused()}).
   */
  static Comparison compare(Map<String, String> sparkConf, HyperParameters stored,
      org.apache.hadoop.conf.Configuration conf) {
    Map<String, String> given = new TreeMap<>();
    sparkConf.forEach((k, v) -> {
      if (k.startsWith(JobKeys.SPARK_CONF_PREFIX)) {
        given.put(k.substring(JobKeys.SPARK_CONF_PREFIX.length()), v);
      }
    });
    List<String> diff = new ArrayList<>();
    List<String> unknown = new ArrayList<>();
    Map<String, String> operational = new TreeMap<>();
    given.forEach((key, value) -> {
      if (JobKeys.isPlacement(key)) {
        return; // where this run runs, not part of job.json: see placement()
      }
      if (restatesAbsentKey(key, value, stored)) {
        return; // a key the job stores as absent at this value (schedule.interval=step): the job's own
      }
      if (!stored.contains(key) && stored.contains(JobKeys.SCHEDULE_NAME) && JobKeys.otherSchedulesDefault(
          new RegistryModelCatalog(), stored.getString(JobKeys.SCHEDULE_NAME), key, value)) {
        return; // another schedule's key at its default, which train dropped: the line that started the job
      }
      if (JobKeys.specs().get(key) == null && !stored.asMap().containsKey(key) && !ownAbsentKey(key, stored)) {
        unknown.add(key); // a stored spec holds every key its model, optimizer and schedule declare
        return;
      }
      Object was = stored.asMap().get(key);
      if (!sameValue(key, was, value, conf)) {
        if (JobKeys.OPERATIONAL.contains(key)) {
          operational.put(key, value);
        } else {
          diff.add(key + ": " + (was == null ? "(not set)" : was) + " -> " + value);
        }
      }
    });
    return new Comparison(operational, diff, unknown);
  }

  /**
   * Refuses {@code spark.epochal.*} entries of {@code sparkConf} whose key no job has (a fixed job
   * key, or a prefixed one whose prefix is not model., optimizer. or schedule.), before any job is
   * read: {@code resume --all} checks them once for every job.
   */
  static void checkKnownKeys(Map<String, String> sparkConf) {
    List<String> unknown = new ArrayList<>();
    sparkConf.keySet().stream().filter(k -> k.startsWith(JobKeys.SPARK_CONF_PREFIX))
        .map(k -> k.substring(JobKeys.SPARK_CONF_PREFIX.length()))
        .filter(k -> JobKeys.specs().get(k) == null && !JobKeys.isPlacement(k) && !JobKeys.isPrefixed(k))
        .forEach(unknown::add);
    if (!unknown.isEmpty()) {
      throw unknown(unknown, List.of(), "any job");
    }
  }

  private static ConfigException unknown(List<String> keys, java.util.Collection<String> jobKeys, String jobDir) {
    List<String> candidates = new ArrayList<>(jobKeys);
    JobKeys.specs().all().forEach(spec -> candidates.add(spec.name()));
    List<String> lines = new ArrayList<>();
    for (String key : keys) {
      String near = io.epochal.params.ParamSpecs.nearest(key, candidates);
      lines.add(JobKeys.SPARK_CONF_PREFIX + key + (near == null ? "" : " (did you mean " + JobKeys.SPARK_CONF_PREFIX
          + near + "?)"));
    }
    return new ConfigException(JobKeys.SPARK_CONF_PREFIX + keys.get(0), "unknown job key" + (keys.size() == 1 ? "" : "s")
        + " in the Spark conf, not a key of " + jobDir + ": " + String.join("; ", lines) + "; fix or remove "
        + (keys.size() == 1 ? "it" : "them"));
  }

  /**
   * What {@link #compare} found: the keys that amend the job, the differences that refuse it, and
   * keys the job does not have.
   */
  record Comparison(Map<String, String> amended, List<String> refused, List<String> unknown) {
    Comparison {
      amended = java.util.Collections.unmodifiableMap(new TreeMap<>(amended));
      refused = List.copyOf(refused);
      unknown = List.copyOf(unknown);
    }
  }

  /** The {@code spark.epochal.*} entries of placement keys: this run's own, never compared. */
  static Map<String, String> placement(Map<String, String> sparkConf) {
    Map<String, String> out = new TreeMap<>();
    sparkConf.forEach((k, v) -> {
      String key = k.startsWith(JobKeys.SPARK_CONF_PREFIX) ? k.substring(JobKeys.SPARK_CONF_PREFIX.length()) : "";
      if (JobKeys.isPlacement(key)) {
        out.put(key, v);
      }
    });
    return out;
  }

  /**
   * Whether {@code key=value} restates what a job stored without {@code key} has, which it keeps
   * without the key: Spark's read order for {@code data.row_order} (a job created before the key
   * existed), no held-out rows, no gradient clipping ({@link JobKeys#storedAsAbsent}).
   */
  static boolean restatesAbsentKey(String key, String value, HyperParameters stored) {
    return !stored.contains(key) && (key.equals(JobKeys.DATA_ROW_ORDER)
        && value.trim().equals(JobKeys.ROW_ORDER_SPARK_READ) || JobKeys.storedAsAbsent(key, value));
  }

  /**
   * Refuses {@code resume --set key=value} for a key a resume does not change, saying what does:
   * {@code --epochs}, {@code --data}, {@code --relocate}, or a new job.dir for a key of what is
   * trained (unless it repeats the job's own value); an unknown key gets the known key it is the last part of
   * ({@code keep_every} for {@code checkpoint.keep_every}) or the nearest known one. A place is compared as one
   * ({@code /w.safetensors} is the {@code file:///w.safetensors} stored), on the file systems of {@code conf}.
   *
   * @return whether the value repeats the job's own value of a key a resume does not change (nothing to change)
   */
  static boolean checkSettable(String key, String value, HyperParameters stored,
      org.apache.hadoop.conf.Configuration conf) {
    if (key.isBlank()) {
      throw new ConfigException("--set", "resume --set takes KEY=VALUE, got '=" + value + "'");
    }
    if (JobKeys.OPERATIONAL.contains(key)) {
      return false;
    }
    String instead = switch (key) {
      case JobKeys.EPOCHS -> "a resume sets it with --epochs (give --epochs " + value.trim() + " instead of this --set)";
      case JobKeys.DATA_PATH -> "a resume moves the job's data with --data (give --data " + value.trim()
          + " instead of this --set)";
      case JobKeys.JOB_DIR -> "move the job directory and resume it there with --relocate";
      default -> null;
    };
    if (instead != null) {
      throw new ConfigException(key, "resume --set " + key + ": " + instead);
    }
    if (restatesAbsentKey(key, value, stored)) {
      return true; // the job's own value, stored as no key (schedule.interval=step): nothing changes
    }
    if (!stored.contains(key) && JobKeys.specs().get(key) == null && !ownAbsentKey(key, stored)) {
      String reader = readerElsewhere(key);
      String chosen = chosenBy(key);
      if (reader != null) {
        throw new ConfigException(key, "resume --set " + key + ": only " + reader + " reads it, and this job trains "
            + "with " + chosen + "=" + stored.asMap().get(chosen) + ", which a resume cannot change (train another "
            + "job.dir for that)");
      }
      List<String> known = new ArrayList<>(stored.keys());
      known.addAll(JobKeys.PLACEMENT_KEYS);
      String near = known.stream().filter(k -> k.endsWith("." + key)).findFirst()
          .orElseGet(() -> io.epochal.params.ParamSpecs.nearest(key, known));
      throw new ConfigException(key, "resume --set: unknown key '" + key + "'"
          + (near == null ? "" : "; did you mean '" + near + "'?"));
    }
    if (stored.contains(key) && sameValue(key, stored.asMap().get(key), value, conf)) {
      return true; // the job's own value, as --conf spark.epochal.<key> may repeat it: nothing changes
    }
    // the difference as the spec's diff shows one: stored -> given
    String diff = key + ": " + (stored.contains(key) ? stored.asMap().get(key) : "(not set)") + " -> " + value;
    throw new ConfigException(key, "resume --set " + key + " (" + diff + "): a resume changes only the held-out rows "
        + "and retention, early stopping, retry and lease keys ("
        + String.join(", ", new java.util.TreeSet<>(JobKeys.OPERATIONAL)) + ") and placement keys; " + key
        + " is part of what the job trains, so train with it in a new job.dir");
  }

  /** The keys whose value is a place, stored qualified ({@code file:///data/x} for {@code /data/x}). */
  /** The keys whose values are places: the same place written another way is the same value. */
  static final java.util.List<String> LOCATIONS = java.util.List.of(JobKeys.JOB_DIR, JobKeys.DATA_PATH,
      JobKeys.DATA_VALIDATION_PATH, io.epochal.driver.config.FineTuning.WEIGHTS);

  /**
   * Whether text {@code given} is job key {@code key}'s value {@code was}: for job.dir, data.path,
   * data.validation_path and init.weights the same place however written, for the rest the same typed
   * value.
   */
  static boolean sameValue(String key, Object was, String given,
      org.apache.hadoop.conf.Configuration conf) {
    return LOCATIONS.contains(key) && was != null && !given.isBlank()
        ? JobLocations.samePlace(was.toString(), given.trim(), conf) : same(was, expandedFeatures(key, given));
  }

  /**
   * {@code given} as the spec that started the job stored it when {@code key} is data.features: its
   * column ranges written out ({@code f0..f3} is the job's {@code f0,f1,f2,f3}) and every name
   * without the spaces around it ({@code f0, f1}); a range that cannot be written out stays as given,
   * and differs.
   */
  private static String expandedFeatures(String key, String given) {
    if (!key.equals(JobKeys.DATA_FEATURES)) {
      return given;
    }
    try {
      return java.util.Arrays.stream(io.epochal.driver.config.FeatureRanges.expand(given, key).split(","))
          .map(String::strip).filter(n -> !n.isEmpty()).collect(java.util.stream.Collectors.joining(","));
    } catch (ConfigException e) {
      return given;
    }
  }

  static boolean same(Object was, String given) {
    if (was == null) {
      return false;
    }
    String g = given.trim();
    if (was instanceof List) {
      List<?> list = (List<?>) was;
      String inner = g.startsWith("[") && g.endsWith("]") ? g.substring(1, g.length() - 1) : g;
      String[] parts = inner.isBlank() ? new String[0] : inner.split(",");
      if (parts.length != list.size()) {
        return false;
      }
      for (int i = 0; i < parts.length; i++) {
        if (!same(list.get(i), parts[i])) {
          return false;
        }
      }
      return true;
    }
    if (was instanceof Number) {
      try {
        String digits = g.replace("_", "");
        if ((was instanceof Long || was instanceof Integer) && digits.matches("[+-]?[0-9]+")) {
          // exactly: a seed above 2^53 and its neighbour are one double
          return new java.math.BigInteger(digits).equals(java.math.BigInteger.valueOf(((Number) was).longValue()));
        }
        return ((Number) was).doubleValue() == Double.parseDouble(digits);
      } catch (NumberFormatException e) {
        return false;
      }
    }
    if (was instanceof Boolean) {
      return was.toString().equals(g.toLowerCase(Locale.ROOT));
    }
    return was.toString().equals(g);
  }

  /**
   * Whether {@code key}, which {@code stored} lacks, is one the job's own schedule or optimizer declares, stored as
   * absent at its default ({@code schedule.interval} of a cosine job): part of what the job trains.
   */
  private static boolean ownAbsentKey(String key, HyperParameters stored) {
    Object name = stored.asMap().get(chosenBy(key));
    RegistryModelCatalog catalog = new RegistryModelCatalog();
    if (name == null) {
      return false;
    } else if (key.startsWith("optimizer.")) {
      return catalog.optimizer(name.toString()).map(p -> p.get(key.substring("optimizer.".length())) != null)
          .orElse(false);
    }
    return key.startsWith(JobKeys.SCHEDULE_PREFIX) && catalog.schedule(name.toString())
        .map(p -> p.get(key.substring(JobKeys.SCHEDULE_PREFIX.length())) != null).orElse(false);
  }

  /** The key that chooses which optimizer or schedule reads {@code key}. */
  private static String chosenBy(String key) {
    return key.startsWith("optimizer.") ? JobKeys.OPTIMIZER_NAME : JobKeys.SCHEDULE_NAME;
  }

  /**
   * Which optimizer or schedule reads {@code key} ("optimizer.name=sgd" for {@code
   * optimizer.momentum}), when a job of another one lacks it; null if none does.
   */
  private static String readerElsewhere(String key) {
    RegistryModelCatalog catalog = new RegistryModelCatalog();
    List<String> readers = new ArrayList<>();
    if (key.startsWith("optimizer.")) {
      for (String name : new java.util.TreeSet<>(JobKeys.specs().get(JobKeys.OPTIMIZER_NAME).allowed())) {
        if (catalog.optimizer(name).map(p -> p.get(key.substring("optimizer.".length())) != null).orElse(false)) {
          readers.add(JobKeys.OPTIMIZER_NAME + "=" + name);
        }
      }
    } else if (key.startsWith(JobKeys.SCHEDULE_PREFIX)) {
      for (String name : new java.util.TreeSet<>(catalog.scheduleNames())) {
        if (catalog.schedule(name).map(p -> p.get(key.substring(JobKeys.SCHEDULE_PREFIX.length())) != null)
            .orElse(false)) {
          readers.add(JobKeys.SCHEDULE_NAME + "=" + name);
        }
      }
    }
    return readers.isEmpty() ? null : String.join(" or ", readers);
  }
}
