package io.epochal.worker.bench;

import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.worker.model.EngineSettings;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelCache;
import io.epochal.worker.optim.Optimizer;
import io.epochal.worker.optim.Optimizers;
import io.epochal.worker.round.LocalRound;
import io.epochal.worker.round.TrainingConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Samples per second of {@link LocalRound#run} (many chained rounds of 50 local steps) against a
 * minimal hand-written DJL training loop, on an MLP 64-256-256-10 with batch 64 and one intra-op
 * thread, with SGD (the engine's fused kernel on both sides) and with Adam (DJL's fused Adam
 * against Epochal's exact Adam). Measurements alternate between the loops and the median of the
 * repeats is reported. A second table splits a round's fixed cost (state loading, optimizer
 * rebuild, state export). Arguments: {@code [rounds per measurement] [repeats]} (default 6, 5),
 * checked by {@link RoundBenchArgs}. The target, printed with its verdict per row: each Epochal
 * row's median samples/s at least {@value #TARGET} × DJL's with the same optimizer kind.
 */
public final class RoundBenchmark {

  static final int[] HIDDEN = {256, 256};
  static final int FEATURES = 64;
  static final int CLASSES = 10;
  static final int BATCH = 64;
  static final int LOCAL_STEPS = 50;
  static final int ROUNDS_PER_EPOCH = 4;
  /** The target: Epochal's median samples/s at least this share of DJL's, same optimizer kind. */
  static final double TARGET = 0.95;
  /** The gradient norm limit of the clipped rows. */
  static final double CLIP_GRAD_NORM = 1.0;

  private RoundBenchmark() {}

  /** Runs the benchmark and prints its tables; a wrong argument is said in one line, exit code 2. */
  public static void main(String[] args) throws Exception {
    RoundBenchArgs parsed;
    try {
      parsed = RoundBenchArgs.parse(args);
    } catch (IllegalArgumentException e) {
      BenchArguments.exitWithUsageError("round", e);
      return;
    }
    if (parsed.help()) {
      System.out.println(RoundBenchArgs.USAGE);
      return;
    }
    int rounds = parsed.rounds();
    int repeats = parsed.repeats();
    System.setProperty(EngineSettings.NUM_INTEROP_THREADS, "1");
    EngineSettings.configureThreads(1);
    BenchData data = new BenchData(BATCH * LOCAL_STEPS * ROUNDS_PER_EPOCH, FEATURES, CLASSES, BATCH, 11);
    long samplesPerMeasurement = (long) rounds * LOCAL_STEPS * BATCH;

    EpochalLoop epochalSgd = new EpochalLoop("sgd", HyperParameters.builder().put("lr", 0.01).build(),
        HIDDEN, CLASSES, data, BATCH, LOCAL_STEPS);
    EpochalLoop epochalAdam = new EpochalLoop("adam", HyperParameters.builder().put("lr", 1e-3).build(),
        HIDDEN, CLASSES, data, BATCH, LOCAL_STEPS);
    EpochalLoop epochalAdamFused = new EpochalLoop("adam",
        HyperParameters.builder().put("lr", 1e-3).put("beta2", 0.95).build(), HIDDEN, CLASSES, data, BATCH,
        LOCAL_STEPS);
    EpochalLoop epochalAdamClipped = new EpochalLoop("adam", HyperParameters.builder().put("lr", 1e-3).build(),
        HIDDEN, CLASSES, data, BATCH, LOCAL_STEPS, CLIP_GRAD_NORM);
    double[] weights = new double[CLASSES]; // as balanced weights of rarer and rarer classes would be
    for (int c = 0; c < CLASSES; c++) {
      weights[c] = 1 + c;
    }
    EpochalLoop epochalAdamWeighted = new EpochalLoop("adam", HyperParameters.builder().put("lr", 1e-3).build(),
        HIDDEN, CLASSES, data, BATCH, LOCAL_STEPS, 0, io.epochal.worker.loss.LossConfig.builder()
        .setName("softmax_cross_entropy").optClassWeights(weights).build());
    EpochalLoop epochalAdamAveraged = new EpochalLoop("adam", HyperParameters.builder().put("lr", 1e-3).build(),
        HIDDEN, CLASSES, data, BATCH, LOCAL_STEPS, 0, io.epochal.worker.loss.LossConfig.of("softmax_cross_entropy"),
        0.999);
    Map<String, LongSupplier> loops = new LinkedHashMap<>();
    try (DjlLoop djlSgd = new DjlLoop("sgd", HIDDEN, CLASSES, data, BATCH);
        DjlLoop djlAdam = new DjlLoop("adam", HIDDEN, CLASSES, data, BATCH);
        DjlLoop djlAdamClipped = new DjlLoop("adam", HIDDEN, CLASSES, data, BATCH, CLIP_GRAD_NORM)) {
      loops.put("djl Trainer|sgd (fused sgdUpdate)", () -> {
        djlSgd.train(rounds * LOCAL_STEPS);
        return samplesPerMeasurement;
      });
      loops.put("epochal LocalRound|sgd (fused sgdUpdate)", () -> epochalSgd.train(rounds));
      loops.put("djl Trainer|adam (DJL fused, beta2 0.999)", () -> {
        djlAdam.train(rounds * LOCAL_STEPS);
        return samplesPerMeasurement;
      });
      loops.put("epochal LocalRound|adam (exact, beta2 0.999)", () -> epochalAdam.train(rounds));
      loops.put("epochal LocalRound|adam (default kernel choice, beta2 0.95)", () -> epochalAdamFused.train(rounds));
      // loss.class_weights against the DJL loop without them: what weighing the rows costs a round
      loops.put("epochal LocalRound|adam (exact, loss.class_weights 1..10)", () -> epochalAdamWeighted.train(rounds));
      // train.ema_decay against the DJL loop without an average: what updating it after every step costs
      loops.put("epochal LocalRound|adam (exact, train.ema_decay 0.999)", () -> epochalAdamAveraged.train(rounds));
      // the same clipping code on both sides: what it costs a round against a plain loop that clips
      loops.put("djl Trainer|adam+clip (DJL fused, clip_grad_norm 1)", () -> {
        djlAdamClipped.train(rounds * LOCAL_STEPS);
        return samplesPerMeasurement;
      });
      loops.put("epochal LocalRound|adam+clip (exact, clip_grad_norm 1)", () -> epochalAdamClipped.train(rounds));

      Map<String, double[]> wall = new LinkedHashMap<>();
      Map<String, double[]> cpu = new LinkedHashMap<>();
      loops.keySet().forEach(k -> {
        wall.put(k, new double[repeats]);
        cpu.put(k, new double[repeats]);
      });
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      for (int rep = -1; rep < repeats; rep++) { // rep -1 warms up
        for (Map.Entry<String, LongSupplier> e : loops.entrySet()) {
          long c0 = threads.getCurrentThreadCpuTime();
          long t0 = System.nanoTime();
          long samples = e.getValue().getAsLong();
          long t1 = System.nanoTime();
          long c1 = threads.getCurrentThreadCpuTime();
          if (rep >= 0) {
            wall.get(e.getKey())[rep] = samples / ((t1 - t0) / 1e9);
            cpu.get(e.getKey())[rep] = samples / ((c1 - c0) / 1e9);
          }
        }
      }
      printThroughput(wall, cpu, rounds, repeats);
    }
    printRoundOverhead(epochalAdam, data);
  }

  static double median(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static void printThroughput(Map<String, double[]> wall, Map<String, double[]> cpu, int rounds,
      int repeats) {
    System.out.printf("MLP %d-%s-%d, batch %d, %d local steps per round, %d rounds (%d steps) per measurement, "
        + "median of %d alternating repeats, 1 intra-op thread%n", FEATURES, Arrays.toString(HIDDEN), CLASSES,
        BATCH, LOCAL_STEPS, rounds, rounds * LOCAL_STEPS, repeats);
    System.out.printf("%-20s %-42s %12s %14s %10s %10s%n", "loop", "optimizer", "samples/s", "samples/cpu-s",
        "ratio", "ratio cpu");
    Map<String, String> djl = new LinkedHashMap<>();
    wall.keySet().forEach(k -> {
      if (k.startsWith("djl")) {
        djl.put(kind(k), k);
      }
    });
    wall.forEach((k, v) -> {
      String[] p = k.split("\\|");
      String ref = djl.get(kind(k));
      System.out.printf("%-20s %-42s %12.0f %14.0f %10.3f %10.3f%n", p[0], p[1], median(v), median(cpu.get(k)),
          median(v) / median(wall.get(ref)), median(cpu.get(k)) / median(cpu.get(ref)));
    });
    System.out.println("samples/s: wall clock; samples/cpu-s: per second of the training thread's CPU time (all "
        + "engine work runs on it with one intra-op thread), robust to other load on the machine; ratios are "
        + "against DJL with the same optimizer kind");
    System.out.printf("target (each Epochal row's median samples/s >= %.2f x DJL's with the same optimizer kind):%n",
        TARGET);
    verdicts(wall, cpu).forEach(v -> System.out.println("  " + v));
  }

  /**
   * One verdict per Epochal row: its median wall-clock samples/s over the median of the DJL row
   * with the same optimizer kind, against {@link #TARGET}, with the same ratio by CPU time.
   */
  static List<String> verdicts(Map<String, double[]> wall, Map<String, double[]> cpu) {
    Map<String, String> djl = new LinkedHashMap<>();
    wall.keySet().stream().filter(k -> k.startsWith("djl")).forEach(k -> djl.put(kind(k), k));
    List<String> lines = new ArrayList<>();
    wall.forEach((k, v) -> {
      if (!k.startsWith("djl")) {
        String ref = djl.get(kind(k));
        double ratio = median(v) / median(wall.get(ref));
        double cpuRatio = median(cpu.get(k)) / median(cpu.get(ref));
        lines.add(String.format("%s: %.3f %s (by CPU time %.3f)", k.split("\\|")[1], ratio,
            ratio >= TARGET ? "met" : "NOT met", cpuRatio));
      }
    });
    return lines;
  }

  private static String kind(String key) {
    String optimizer = key.split("\\|")[1];
    return optimizer.substring(0, optimizer.indexOf(' '));
  }

  /**
   * A round's fixed cost: one-step rounds against the per-step cost, and the parts LocalRound does
   * once per round, timed one by one on the same model and state.
   */
  private static void printRoundOverhead(EpochalLoop loop, BenchData data) {
    int n = 60;
    TrainingConfig config = loop.config();
    StateDict state = loop.state();
    StateDict modelState = LocalRound.modelPart(state);
    StateDict optimizerState = LocalRound.optimizerPart(state);
    EpochalModel model = ModelCache.forCurrentThread()
        .acquire(config.modelName(), config.modelVersion(), config.modelParams());
    List<String[]> rows = new ArrayList<>();
    double loadModel = timeMs(n, () -> model.loadStateDict(modelState));
    double exportModel = timeMs(n, model::stateDict);
    double optimizer = timeMs(n, () -> {
      try (Optimizer o = Optimizers.create(config.optimizerName(), config.optimizerParams(), model.manager())) {
        o.loadStateDict(optimizerState);
        o.stateDict();
      }
    });
    double splitMerge = timeMs(n, () -> {
      StateDict m = LocalRound.modelPart(state);
      StateDict o = LocalRound.optimizerPart(state);
      StateDict.builder().putAll(m).putAll(LocalRound.prefixed(o)).build();
    });
    double fullRound = timeMs(5, () -> loop.train(1));
    double perStep = fullRound / LOCAL_STEPS;
    double fixed = loadModel + exportModel + optimizer + splitMerge;
    rows.add(new String[] {"model.loadStateDict (global -> NDArrays)", fmt(loadModel)});
    rows.add(new String[] {"model.stateDict (NDArrays -> StateDict)", fmt(exportModel)});
    rows.add(new String[] {"optimizer create + loadStateDict + stateDict + close", fmt(optimizer)});
    rows.add(new String[] {"split into model/optimizer parts + merge result", fmt(splitMerge)});
    rows.add(new String[] {"sum of the fixed parts", fmt(fixed)});
    rows.add(new String[] {"whole round (" + LOCAL_STEPS + " steps)", fmt(fullRound)});
    System.out.printf("%nWhere a round's time goes (adam, exact; %,d bytes of state; mean CPU ms of %d):%n",
        state.totalBytes(), n);
    System.out.printf("%-55s %10s%n", "part", "ms");
    rows.forEach(r -> System.out.printf("%-55s %10s%n", r[0], r[1]));
    System.out.printf("fixed parts = %.1f%% of a %d-step round (%.3f ms per step)%n", 100 * fixed / fullRound,
        LOCAL_STEPS, perStep);
  }

  private static String fmt(double ms) {
    return String.format("%.3f", ms);
  }

  /** Mean milliseconds of this thread's CPU time per run of {@code r}, after one warm-up run. */
  private static double timeMs(int n, Runnable r) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    r.run();
    long c0 = threads.getCurrentThreadCpuTime();
    for (int i = 0; i < n; i++) {
      r.run();
    }
    return (threads.getCurrentThreadCpuTime() - c0) / 1e6 / n;
  }
}
