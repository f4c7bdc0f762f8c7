package io.epochal.driver.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ranges of numbered columns in a feature list ({@code data.features}, predict's {@code
 * --features}): {@code f0..f783} names {@code f0, f1, ..., f783}, as csv data written with one
 * column per feature has them, so 784 names need not be typed. The prefix may be left off the
 * upper end ({@code f0..783}); other entries stay as they are.
 */
public final class FeatureRanges {

  /** Most columns one range may name. */
  static final int MAX_COLUMNS = 1_000_000;

  private static final Pattern RANGE = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*?)(\\d+)\\.\\.(?:\\1)?(\\d+)");

  private FeatureRanges() {}

  /**
   * {@code names} (comma-separated) with every range written out, each name once in order.
   *
   * @param key the key or option the list was given as, which a refusal names
   * @throws ConfigException for a range that counts down or names more than {@link #MAX_COLUMNS}
   */
  public static String expand(String names, String key) {
    if (names == null || !names.contains("..")) {
      return names;
    }
    List<String> out = new ArrayList<>();
    for (String entry : names.split(",", -1)) {
      Matcher m = RANGE.matcher(entry.strip());
      if (!m.matches()) {
        out.add(entry);
        continue;
      }
      long from;
      long to;
      try {
        from = Long.parseLong(m.group(2));
        to = Long.parseLong(m.group(3));
      } catch (NumberFormatException tooLong) {
        throw new ConfigException(key, key + " range '" + entry.strip() + "' has a number too large");
      }
      if (to < from || to - from >= MAX_COLUMNS) {
        throw new ConfigException(key, key + " range '" + entry.strip() + "' " + (to < from ? "counts down: write "
            + "it from the lower number to the higher" : "names more than " + MAX_COLUMNS + " columns"));
      }
      boolean padded = m.group(2).length() > 1 && m.group(2).startsWith("0");
      for (long i = from; i <= to; i++) {
        out.add(m.group(1) + (padded ? String.format(Locale.ROOT, "%0" + m.group(2).length() + "d",
            i) : Long.toString(i)));
      }
    }
    return String.join(",", out);
  }
}
