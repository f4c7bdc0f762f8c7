package io.epochal.driver.bench;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * The benchmark's knobs, from {@code --key=value} arguments over defaults, all checked when parsed,
 * before any work starts: unknown keys are refused with the list of valid ones, and every value
 * must be in its range (a whole number of at least the key's minimum; the sections 1 to 4; the
 * sizes positive).
 */
final class BenchSettings {

  /** The keys in the order the usage lists them. */
  private static final List<Key> KEYS = List.of(
      new Key("sections", "1,2,3,4", OptionalInt.empty(), "the sections to run, comma-separated: 1 (one worker"
          + " through Spark vs the local loop), 2 (two workers vs one), 3 (time per round vs model size),"
          + " 4 (checkpoint stall)"),
      // Rounds long enough that a Spark job's fixed cost (tens of ms) is a few percent of a round, as
      // the design asks: with 2 workers a round is one pass over a worker's 48 k rows (750 steps).
      new Key("rows", "192000", OptionalInt.of(1), "rows of generated data"),
      new Key("features", "64", OptionalInt.of(1), "features per row"),
      new Key("classes", "10", OptionalInt.of(2), "classes"),
      new Key("hidden", "256", OptionalInt.of(1), "hidden width of the MLP of sections 1 and 2"),
      new Key("batch", "64", OptionalInt.of(1), "batch size of sections 1, 2 and 4"),
      new Key("local-steps", "1500", OptionalInt.of(1), "local steps per round of sections 1, 2 and 4"),
      new Key("epochs", "3", OptionalInt.of(1), "epochs per measured job of sections 1 and 2"),
      new Key("repeat", "5", OptionalInt.of(1), "runs of section 2, the fastest of each side is kept"),
      new Key("pairs", "7", OptionalInt.of(1), "back-to-back pairs of section 1, judged by their median ratio"),
      new Key("warmup-epochs", "3", OptionalInt.of(1), "epochs of section 2's two-worker warm-up"),
      new Key("sizes", "1000000,10000000,50000000", OptionalInt.empty(),
          "section 3's parameter counts, comma-separated, each >= 1"),
      new Key("size-batch", "4", OptionalInt.of(1), "batch size of section 3"),
      new Key("size-rounds", "3", OptionalInt.of(1), "measured rounds per size of section 3"),
      new Key("stall-hidden", "1024", OptionalInt.of(1), "hidden width of section 4's MLP"),
      new Key("stall-epochs", "5", OptionalInt.of(1), "epochs of section 4's job"),
      new Key("stall-every-n-rounds", "0", OptionalInt.of(0), "section 4's checkpoint.every_n_rounds: also a "
          + "mid-epoch checkpoint after every n-th round of an epoch; 0 = none"),
      new Key("work-dir", "", OptionalInt.empty(),
          "folder for the data and jobs, kept at the end; none: a temporary folder, deleted at the end"),
      new Key("spark-conf", "", OptionalInt.empty(), "extra Spark conf entries, key=value;key=value"));
  private static final Map<String, String> DEFAULTS = defaults();
  /** The sections there are. */
  private static final int SECTIONS = 4;

  private final Map<String, String> values;

  private BenchSettings(Map<String, String> values) {
    this.values = Map.copyOf(values);
  }

  private static Map<String, String> defaults() {
    Map<String, String> d = new LinkedHashMap<>();
    KEYS.forEach(k -> d.put(k.name(), k.defaultValue()));
    return d;
  }

  /** Whether {@code -h} or {@code --help} is among {@code args}: the usage is asked for. */
  static boolean help(String... args) {
    return Arrays.asList(args).contains("-h") || Arrays.asList(args).contains("--help");
  }

  /** The usage text: every key with its default and what it may be. */
  static String usage() {
    StringBuilder b = new StringBuilder("usage: bin/bench-driver [--key=value ...], keys (default):");
    for (Key k : KEYS) {
      b.append(System.lineSeparator()).append(String.format("  --%-14s %s%s (%s)", k.name(), k.description(),
          k.min().isPresent() ? ", >= " + k.min().getAsInt() : "",
          k.defaultValue().isEmpty() ? "none" : k.defaultValue()));
    }
    return b.toString();
  }

  /**
   * Parses {@code --key=value} arguments and checks every value; throws {@link
   * IllegalArgumentException} naming the first wrong one and what it may be.
   */
  static BenchSettings parse(String... args) {
    Map<String, String> v = new LinkedHashMap<>(DEFAULTS);
    for (String a : args) {
      checkArgument(a.startsWith("--") && a.contains("="), "argument '%s' is not --key=value; keys: %s", a,
          DEFAULTS.keySet());
      String key = a.substring(2, a.indexOf('='));
      checkArgument(DEFAULTS.containsKey(key), "unknown benchmark key '%s'; valid keys: %s", key, DEFAULTS.keySet());
      v.put(key, a.substring(a.indexOf('=') + 1));
    }
    BenchSettings settings = new BenchSettings(v);
    settings.check();
    return settings;
  }

  private void check() {
    for (Key k : KEYS) {
      if (k.min().isPresent()) {
        int value = integer(k.name());
        checkArgument(value >= k.min().getAsInt(), "--%s must be >= %s, got %s", k.name(), k.min().getAsInt(),
            value);
      }
    }
    List<Long> sections = longs("sections");
    checkArgument(!sections.isEmpty() && sections.stream().allMatch(n -> n >= 1 && n <= SECTIONS),
        "--sections must list section numbers from 1 to %s separated by commas, got '%s'", SECTIONS,
        values.get("sections"));
    List<Long> sizes = longs("sizes");
    checkArgument(!sizes.isEmpty() && sizes.stream().allMatch(n -> n >= 1),
        "--sizes must list parameter counts >= 1 separated by commas, got '%s'", values.get("sizes"));
    sparkConf();
  }

  /** Integer value of {@code key}. */
  int integer(String key) {
    String text = values.get(key).trim();
    checkArgument(text.matches("[-+]?\\d+"), "--%s must be a whole number, got '%s'", key, values.get(key));
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--" + key + " is too large, got " + text, e);
    }
  }

  /** Comma-separated longs of {@code key}. */
  List<Long> longs(String key) {
    return Arrays.stream(values.get(key).split(",")).map(String::trim).filter(s -> !s.isEmpty())
        .map(s -> {
          checkArgument(s.matches("[-+]?\\d{1,18}"), "--%s must list whole numbers separated by commas, got '%s'",
              key, values.get(key));
          return Long.parseLong(s);
        }).toList();
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

  /** One key: its name, default, least value when it is a whole number, and what it sets. */
  private record Key(String name, String defaultValue, OptionalInt min, String description) {}
}
