package io.epochal.checkpoint.bench;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.List;

/**
 * The store bench's command line, checked before any work starts: {@code [MiB of state]
 * [repetitions]} for {@link StoreBenchmark}, {@code threads [MiB of state] [rounds]} for {@link
 * StoreThreadsBenchmark}, or {@code -h} / {@code --help}. A mistake is an {@link
 * IllegalArgumentException} whose message names the argument and what it may be.
 */
final class StoreBenchArgs {

  /** The usage text {@code --help} prints. */
  static final String USAGE = String.join(System.lineSeparator(),
      "usage: bin/bench-store [MiB of state] [repetitions]",
      "       bin/bench-store threads [MiB of state] [rounds]",
      "  MiB of state  a positive multiple of " + StoreBenchmark.TENSOR_MIB + " (the state is made of "
          + StoreBenchmark.TENSOR_MIB + " MiB tensors); default 256",
      "  repetitions   >= 1, the best is kept; default 3",
      "  rounds        >= 1, the median per thread count is printed; default 12");

  private static final int DEFAULT_MIB = 256;
  private static final int DEFAULT_REPS = 3;
  private static final int DEFAULT_ROUNDS = 12;

  private final boolean help;
  private final boolean threads;
  private final int stateMib;
  private final int count;

  private StoreBenchArgs(boolean help, boolean threads, int stateMib, int count) {
    this.help = help;
    this.threads = threads;
    this.stateMib = stateMib;
    this.count = count;
  }

  /** Parses and checks {@code args}; throws {@link IllegalArgumentException} naming the wrong one. */
  static StoreBenchArgs parse(String... args) {
    List<String> a = List.of(args);
    if (a.contains("-h") || a.contains("--help")) {
      return new StoreBenchArgs(true, false, DEFAULT_MIB, DEFAULT_REPS);
    }
    boolean threads = !a.isEmpty() && a.get(0).equals("threads");
    List<String> rest = threads ? a.subList(1, a.size()) : a;
    String countName = threads ? "rounds" : "repetitions";
    checkArgument(rest.size() <= 2, "too many arguments (%s): give at most [MiB of state] [%s]", rest.size(),
        countName);
    if (!threads && !rest.isEmpty() && !isInteger(rest.get(0))) {
      throw new IllegalArgumentException(String.format("unknown argument '%s': give MiB of state (a positive multiple"
          + " of %d) or 'threads' first", rest.get(0), StoreBenchmark.TENSOR_MIB));
    }
    int mib = rest.isEmpty() ? DEFAULT_MIB : integer("MiB of state", rest.get(0));
    checkArgument(mib > 0 && mib % StoreBenchmark.TENSOR_MIB == 0,
        "MiB of state must be a positive multiple of %s (the state is made of %s MiB tensors), got %s",
        StoreBenchmark.TENSOR_MIB, StoreBenchmark.TENSOR_MIB, mib);
    int count = rest.size() < 2 ? (threads ? DEFAULT_ROUNDS : DEFAULT_REPS) : integer(countName, rest.get(1));
    checkArgument(count >= 1, "%s must be >= 1, got %s", countName, count);
    return new StoreBenchArgs(false, threads, mib, count);
  }

  private static boolean isInteger(String text) {
    return text.matches("[-+]?\\d+");
  }

  private static int integer(String name, String text) {
    checkArgument(isInteger(text), "%s must be a whole number, got '%s'", name, text);
    try {
      return Integer.parseInt(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " is too large, got " + text, e);
    }
  }

  /** Whether {@code -h} or {@code --help} asked for the usage. */
  boolean help() {
    return help;
  }

  /** Whether the thread-count benchmark is to run. */
  boolean threads() {
    return threads;
  }

  /** MiB of state, a positive multiple of the tensor size. */
  int stateMib() {
    return stateMib;
  }

  /** Repetitions of the main benchmark, or rounds of the thread-count one; at least 1. */
  int count() {
    return count;
  }
}
