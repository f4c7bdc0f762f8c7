package io.epochal.worker.bench;

/**
 * The round benchmark's command line, checked before the engine starts: {@code [rounds per
 * measurement] [repeats]} (default 6, 5), or {@code -h} / {@code --help}.
 *
 * @param help whether the usage was asked for
 * @param rounds rounds of {@link RoundBenchmark#LOCAL_STEPS} steps per measurement, at least 1
 * @param repeats measurements of each loop, whose median is printed, at least 1
 */
record RoundBenchArgs(boolean help, int rounds, int repeats) {

  /** The usage text {@code --help} prints. */
  static final String USAGE = String.join(System.lineSeparator(),
      "usage: bin/bench-worker round [rounds per measurement] [repeats]",
      "  rounds per measurement  >= 1, each of " + RoundBenchmark.LOCAL_STEPS + " local steps; default 6",
      "  repeats                 >= 1, the median is printed; default 5");

  /** Parses and checks {@code args}; throws {@link IllegalArgumentException} naming the wrong one. */
  static RoundBenchArgs parse(String... args) {
    if (BenchArguments.help(args)) {
      return new RoundBenchArgs(true, 6, 5);
    }
    BenchArguments.checkAtMost(args, 2, "[rounds per measurement] [repeats]");
    int rounds = args.length > 0 ? BenchArguments.atLeast("rounds per measurement", args[0], 1) : 6;
    int repeats = args.length > 1 ? BenchArguments.atLeast("repeats", args[1], 1) : 5;
    return new RoundBenchArgs(false, rounds, repeats);
  }
}
