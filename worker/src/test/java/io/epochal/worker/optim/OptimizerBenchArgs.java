package io.epochal.worker.optim;

import static com.google.common.base.Preconditions.checkArgument;

import io.epochal.worker.bench.BenchArguments;

/**
 * The optimizer benchmark's command line, checked before the engine starts: {@code [steps]
 * [warmup] [mlp]} (default 200, 50, the 1M-parameter set), or {@code -h} / {@code --help}.
 *
 * @param help whether the usage was asked for
 * @param steps timed steps per optimizer, at least 1
 * @param warmup untimed steps before them, at least 0
 * @param mlp whether to step the round benchmark's MLP (85,002 parameters) instead of the 1M set
 */
record OptimizerBenchArgs(boolean help, int steps, int warmup, boolean mlp) {

  /** The usage text {@code --help} prints. */
  static final String USAGE = String.join(System.lineSeparator(),
      "usage: bin/bench-worker optimizer [steps] [warmup] [mlp]",
      "  steps   >= 1 timed steps per optimizer; default 200",
      "  warmup  >= 0 untimed steps before them; default 50",
      "  mlp     step the quickstart-sized MLP's 85,002 parameters instead of 1,002,570");

  /** Parses and checks {@code args}; throws {@link IllegalArgumentException} naming the wrong one. */
  static OptimizerBenchArgs parse(String... args) {
    if (BenchArguments.help(args)) {
      return new OptimizerBenchArgs(true, 200, 50, false);
    }
    BenchArguments.checkAtMost(args, 3, "[steps] [warmup] [mlp]");
    int steps = args.length > 0 ? BenchArguments.atLeast("steps", args[0], 1) : 200;
    int warmup = args.length > 1 ? BenchArguments.atLeast("warmup", args[1], 0) : 50;
    checkArgument(args.length < 3 || args[2].equals("mlp"),
        "the third argument must be 'mlp' (the quickstart-sized MLP) or left out (1M parameters), got '%s'",
        args.length < 3 ? "" : args[2]);
    return new OptimizerBenchArgs(false, steps, warmup, args.length == 3);
  }
}
