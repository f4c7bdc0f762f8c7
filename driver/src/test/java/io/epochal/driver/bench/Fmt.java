package io.epochal.driver.bench;

/** Number formats of the benchmark table. */
final class Fmt {

  private Fmt() {}

  /** A count as {@code 85 k}, {@code 1.0 M}. */
  static String count(long n) {
    if (n >= 1_000_000) {
      return String.format("%.1f M", n / 1e6);
    }
    if (n >= 10_000) {
      return String.format("%.0f k", n / 1e3);
    }
    return String.format("%,d", n);
  }

  /** Bytes as MiB. */
  static String mib(long bytes) {
    return String.format("%.1f MiB", bytes / (1024.0 * 1024.0));
  }

  /** Nanoseconds as seconds. */
  static String secs(long nanos) {
    return String.format("%.2f s", nanos / 1e9);
  }

  /** A target and whether it is met. */
  static String verdict(String target, boolean met) {
    return target + ": " + (met ? "met" : "NOT met");
  }
}
