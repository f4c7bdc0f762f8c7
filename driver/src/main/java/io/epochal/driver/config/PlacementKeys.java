package io.epochal.driver.config;

import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The placement keys of a run ({@link JobKeys#PLACEMENT_KEYS}: where it trains, never stored in
 * job.json) given as text without a job, such as the {@code spark.epochal.*} entries of a command
 * that starts many runs: parsed and checked as a job's keys are, with the same messages, and
 * defaults filled in.
 */
public final class PlacementKeys {

  private PlacementKeys() {}

  /**
   * Every placement key, with its value from {@code texts} or its default.
   *
   * @param texts values as given, by key; keys that are not placement keys are left out
   * @param sourceOf where the text of each key came from, for a message (as {@code --conf
   *     spark.epochal.train.device})
   * @throws ConfigException listing every value that is not valid, as a run given them refuses them
   */
  public static HyperParameters resolve(Map<String, String> texts, UnaryOperator<String> sourceOf) {
    List<ConfigException> problems = new ArrayList<>();
    HyperParameters.Builder out = HyperParameters.builder();
    for (ParamSpec spec : JobKeys.specs().all()) { // in the order a job's keys are checked
      String key = spec.name();
      if (!JobKeys.isPlacement(key)) {
        continue;
      }
      String text = texts.get(key);
      try {
        out.put(key, ValueCheck.value(spec, key, text == null ? null
            : SpecValidator.Sourced.text(text.trim(), sourceOf.apply(key)), "see conf/REFERENCE.md"));
      } catch (ConfigException e) {
        problems.add(e);
        out.put(key, spec.defaultValue()); // lets the check below go on; the problem is reported
      }
    }
    HyperParameters placement = out.build();
    try {
      io.epochal.driver.spark.GpuResources.checkCounts(placement.getLong(JobKeys.GPUS_PER_EXECUTOR),
          placement.getLong(JobKeys.GPUS_PER_TASK));
    } catch (IllegalArgumentException e) {
      problems.add(new ConfigException(JobKeys.GPUS_PER_TASK, e.getMessage()));
    }
    if (!problems.isEmpty()) {
      throw ConfigException.of(problems);
    }
    return placement;
  }
}
