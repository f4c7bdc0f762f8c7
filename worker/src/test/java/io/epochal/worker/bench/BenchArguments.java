package io.epochal.worker.bench;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.List;

/**
 * Checks shared by the worker benchmarks' command lines: a help flag, the number of arguments, and
 * whole numbers with a lower bound. A mistake is an {@link IllegalArgumentException} whose message
 * names the argument and what it may be.
 */
public final class BenchArguments {

  private BenchArguments() {}

  /** Whether {@code -h} or {@code --help} is among {@code args}. */
  public static boolean help(String... args) {
    List<String> a = List.of(args);
    return a.contains("-h") || a.contains("--help");
  }

  /** Refuses more than {@code max} arguments, naming the ones allowed ({@code names}). */
  public static void checkAtMost(String[] args, int max, String names) {
    checkArgument(args.length <= max, "too many arguments (%s): give at most %s", args.length, names);
  }

  /** {@code text} as an int of at least {@code min}; {@code name} is what the argument is. */
  public static int atLeast(String name, String text, int min) {
    checkArgument(text.matches("[-+]?\\d+"), "%s must be a whole number >= %s, got '%s'", name, min, text);
    int value;
    try {
      value = Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " is too large, got " + text, e);
    }
    checkArgument(value >= min, "%s must be >= %s, got %s", name, min, value);
    return value;
  }

  /**
   * Prints {@code bench-worker <benchmark>: <message>} and where the usage is, and exits with the
   * usage error's code 2.
   */
  public static void exitWithUsageError(String benchmark, IllegalArgumentException e) {
    System.err.println("bench-worker " + benchmark + ": " + e.getMessage() + " (bin/bench-worker " + benchmark
        + " --help shows the usage)");
    System.exit(2);
  }
}
