package io.epochal.driver.bench;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The benchmark's knobs, from {@code --key=value} arguments over defaults. Unknown keys are refused
 * with the list of valid ones.
 */
final class BenchSettings {

  private static final Map<String, String> DEFAULTS = defaults();

  private final Map<String, String> values;

  private BenchSettings(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    d.put("sections", "1,2,3,4");
    // Rounds long enough that a Spark job's fixed cost (tens of ms) is a few percent of a round, as
    // the design asks: with 2 workers a round is one pass over a worker's 48 k rows (750 steps).
    d.put("rows", "192000");
    d.put("features", "64");
    d.put("classes", "10");
    d.put("hidden", "256");
    d.put("batch", "64");
    d.put("local-steps", "1500");
    d.put("epochs", "3");
    d.put("repeat", "5");
    d.put("pairs", "7");
    d.put("warmup-epochs", "3");
    d.put("sizes", "1000000,10000000,50000000");
    d.put("size-batch", "4");
    d.put("size-rounds", "3");
    d.put("stall-hidden", "1024");
    d.put("stall-epochs", "5");
    d.put("work-dir", "");
    d.put("spark-conf", "");
    return d;
  }

  /** Parses {@code --key=value} arguments. */
  static BenchSettings parse(String... args) {
    Map<String, String> v = new LinkedHashMap<>(DEFAULTS);
    for (String a : args) {
      checkArgument(a.startsWith("--") && a.contains("="), "argument '%s' is not --key=value; keys: %s", a,
          DEFAULTS.keySet());
      String key = a.substring(2, a.indexOf('='));
      checkArgument(DEFAULTS.containsKey(key), "unknown benchmark key '%s'; valid keys: %s", key, DEFAULTS.keySet());
      v.put(key, a.substring(a.indexOf('=') + 1));
    }
    return new BenchSettings(v);
  }

  /** Integer value of {@code key}. */
  int integer(String key) {
    try {
      return Integer.parseInt(values.get(key).trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + key + "=" + values.get(key) + " is not an integer", e);
    }
  }

  /** Comma-separated longs of {@code key}. */
  List<Long> longs(String key) {
    return Arrays.stream(values.get(key).split(",")).map(String::trim).filter(s -> !s.isEmpty())
        .map(Long::parseLong).toList();
  }

  /** Whether section {@code n} is to run. */
  boolean section(int n) {
    return longs("sections").contains((long) n);
  }

  /** The {@code spark-conf} entries, written {@code key=value;key=value}. */
  Map<String, String> sparkConf() {
    Map<String, String> conf = new LinkedHashMap<>();
    for (String entry : values.get("spark-conf").split(";")) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.indexOf('=');
      checkArgument(eq > 0, "--spark-conf entry '%s' is not key=value (separate entries with ';')", entry);
      conf.put(entry.substring(0, eq).trim(), entry.substring(eq + 1).trim());
    }
    return conf;
  }

  /** Text value of {@code key}. */
  String text(String key) {
    return values.get(key);
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    values.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> b.append(b.length() == 0 ? "" : " ").append("--").append(e.getKey()).append('=')
            .append(e.getValue()));
    return b.toString();
  }
}
