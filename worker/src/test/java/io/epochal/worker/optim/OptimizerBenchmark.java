package io.epochal.worker.optim;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.tracker.Tracker;
import io.epochal.params.HyperParameters;
import io.epochal.worker.bench.BenchArguments;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Step time of Epochal's optimizers against DJL's built-in {@code ai.djl.training.optimizer.Adam}
 * on a 1M-parameter set (the tensors of a 784-1024-192-10 MLP, 1,002,570 parameters) or, with
 * {@code mlp}, on the round benchmark's MLP 64-256-256-10 (85,002 parameters), one
 * intra-op thread. Prints a table: median and mean milliseconds per step and parameters per
 * second. Arguments: {@code [steps] [warmup] [mlp]} (default 200, 50, the 1M set), checked by
 * {@link OptimizerBenchArgs}.
 */
public final class OptimizerBenchmark {

  private static final long[][] SHAPES = {{1024, 784}, {1024}, {192, 1024}, {192}, {10, 192}, {10}};
  /** The tensors of the round benchmark's MLP 64-256-256-10 (85,002 parameters). */
  private static final long[][] MLP_SHAPES = {{256, 64}, {256}, {256, 256}, {256}, {10, 256}, {10}};

  private OptimizerBenchmark() {}

  /** Runs the benchmark; a wrong argument is said in one line, exit code 2. */
  public static void main(String[] args) {
    OptimizerBenchArgs parsed;
    try {
      parsed = OptimizerBenchArgs.parse(args);
    } catch (IllegalArgumentException e) {
      BenchArguments.exitWithUsageError("optimizer", e);
      return;
    }
    if (parsed.help()) {
      System.out.println(OptimizerBenchArgs.USAGE);
      return;
    }
    int steps = parsed.steps();
    int warmup = parsed.warmup();
    long[][] shapes = parsed.mlp() ? MLP_SHAPES : SHAPES;
    Engine engine = Engine.getEngine("PyTorch");
    engine.setRandomSeed(1);
    try (NDManager manager = NDManager.newBaseManager()) {
      ai.djl.pytorch.jni.JniUtils.setNumInteropThreads(1);
      ai.djl.pytorch.jni.JniUtils.setNumThreads(1);
      List<ParamSlot> params = new ArrayList<>();
      long count = 0;
      for (int i = 0; i < shapes.length; i++) {
        Shape s = new Shape(shapes[i]);
        params.add(ParamSlot.of("p" + i, manager.randomNormal(s).mul(0.01f),
            manager.randomNormal(s).mul(0.001f)));
        count += s.size();
      }
      System.out.printf("%d parameters in %d tensors, %d timed steps after %d warm-up steps, engine %s %s%n",
          count, params.size(), steps, warmup, engine.getEngineName(), engine.getVersion());
      System.out.printf("%-44s %12s %12s %14s%n", "optimizer", "median ms", "mean ms", "Mparams/s");
      // on the CPU the default kernel choice (AUTO) runs the JVM loop (HostAdam) whatever beta2 is
      row("epochal adam, default: JVM loop", steps, warmup, count,
          epochal(Optimizers.create("adam", HyperParameters.empty(), manager), params));
      row("epochal adam, beta2 0.95, default: JVM loop", steps, warmup, count,
          epochal(Optimizers.create("adam", HyperParameters.builder().put("beta2", 0.95).build(), manager), params));
      row("epochal adam, array operations", steps, warmup, count,
          epochal(Adam.builder().setManager(manager).hostLoop(false).build(), params));
      row("epochal adam, fused kernel (ALWAYS)", steps, warmup, count,
          epochal(Adam.builder().setManager(manager).optFusedKernel(Adam.FusedKernel.ALWAYS).build(), params));
      row("epochal adam, amsgrad: JVM loop", steps, warmup, count,
          epochal(Optimizers.create("adam", HyperParameters.builder().put("amsgrad", true).build(), manager), params));
      row("epochal sgd, momentum 0.9 (array operations)", steps, warmup, count,
          epochal(Optimizers.create("sgd", HyperParameters.builder().put("momentum", 0.9).build(), manager), params));
      // no DJL row for RMSprop: DJL 0.36's RmsProp throws "Not implemented" on the PyTorch engine (rmspropUpdate)
      row("epochal rmsprop (array operations)", steps, warmup, count,
          epochal(Optimizers.create("rmsprop", HyperParameters.empty(), manager), params));
      // not centered: the bench's gradients are the same at every step, so a centered variance falls to 0
      // and below by rounding (NaN, as in torch), and the row would time NaN arithmetic
      row("epochal rmsprop, momentum 0.9", steps, warmup, count,
          epochal(Optimizers.create("rmsprop", HyperParameters.builder().put("momentum", 0.9).build(), manager),
              params));
      ai.djl.training.optimizer.Optimizer djl = ai.djl.training.optimizer.Adam.builder()
          .optLearningRateTracker(Tracker.fixed(1e-3f)).build();
      row("djl ai.djl.training.optimizer.Adam", steps, warmup, count, i -> {
        for (ParamSlot p : params) {
          djl.update(p.name(), p.weight(), p.grad());
        }
      });
    }
  }

  private static Consumer<Integer> epochal(Optimizer opt, List<ParamSlot> params) {
    return i -> opt.step(params, 1e-3);
  }

  private static void row(String name, int steps, int warmup, long count, Consumer<Integer> step) {
    for (int i = 0; i < warmup; i++) {
      step.accept(i);
    }
    long[] nanos = new long[steps];
    for (int i = 0; i < steps; i++) {
      long t0 = System.nanoTime();
      step.accept(i);
      nanos[i] = System.nanoTime() - t0;
    }
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    double median = (steps % 2 == 1 ? sorted[steps / 2] : (sorted[steps / 2 - 1] + sorted[steps / 2]) / 2.0) / 1e6;
    double mean = Arrays.stream(nanos).average().orElse(0) / 1e6;
    System.out.printf("%-44s %12.3f %12.3f %14.1f%n", name, median, mean, count / (median * 1e3));
  }
}
