package io.epochal.driver.bench;

/** Number formats of the benchmark table, and the process CPU clock. */
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

  /**
   * CPU time this JVM has used so far, all threads (training, Spark, GC), in nanoseconds. Less
   * sensitive to other processes on the machine than wall time.
   */
  static long processCpuNanos() {
    java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean) {
      return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
    }
    throw new IllegalStateException("this JVM does not report process CPU time (" + os.getClass().getName() + ")");
  }

  /** A target and whether it is met. */
  static String verdict(String target, boolean met) {
    return target + ": " + (met ? "met" : "NOT met");
  }
}
