package io.epochal.driver.bench;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.aggregate.AggregateResult;
import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.data.BadInputException;
import io.epochal.driver.data.DataOptions;
import io.epochal.driver.data.DatasetLoader;
import io.epochal.driver.data.LoadedDataset;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.train.RoundRunner;
import io.epochal.driver.train.TrainingConfigs;
import io.epochal.driver.train.TrainingJob;
import io.epochal.driver.train.TrainingOutcome;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.model.ModelCache;
import io.epochal.worker.round.LocalRound;
import io.epochal.worker.round.TrainingConfig;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The four measurements, each adding rows to one {@link MarkdownTable}: (1) {@code --epochs} epochs on one worker
 * through Spark against {@link LocalLoop}, (2) two workers against one on {@code local[2]}, (3) time
 * per round against model size next to the cost of copying the state, (4) the checkpoint stall
 * as a share of training time.
 */
final class BenchSections {

  private final BenchSettings s;
  private final Path work;
  private final Path data;
  private final MarkdownTable table;
  private final PrintStream log;
  private int jobs;

  BenchSections(BenchSettings settings, Path work, Path data, MarkdownTable table, PrintStream log) {
    this.s = checkNotNull(settings, "settings");
    this.work = checkNotNull(work, "work");
    this.data = checkNotNull(data, "data");
    this.table = checkNotNull(table, "table");
    this.log = checkNotNull(log, "log");
  }

  private MlpShape mainShape() {
    return new MlpShape(s.integer("features"), s.integer("hidden"), s.integer("classes"));
  }

  private BenchJob mainJob(String name, int workers, int epochs) {
    return BenchJob.of(name, work.resolve(name + "-" + (++jobs)), data, mainShape())
        .with(JobKeys.BATCH_SIZE, s.integer("batch")).with(JobKeys.LOCAL_STEPS, s.integer("local-steps"))
        .with(JobKeys.WORKERS, workers).with(JobKeys.EPOCHS, epochs);
  }

  private String mainSetup(String master, int epochs) {
    MlpShape m = mainShape();
    return m + " (" + Fmt.count(m.params()) + " params), adam, batch " + s.integer("batch") + ", local_steps "
        + s.integer("local-steps") + ", " + Fmt.count(s.integer("rows")) + " rows, " + epochs + " epochs, "
        + master + ", 1 intra-op thread per worker";
  }

  /**
   * (1) One worker through Spark (with checkpoints) against the local loop. The two alternate, each
   * pair in the other order than the one before, and the verdict is the median of the pairs' ratios:
   * on a shared machine the same loop's time drifts by 10-20 % over tens of seconds, which a pair
   * run back to back mostly shares, while the fastest run of each side may come from different
   * phases.
   */
  void oneWorkerVsLocalLoop(EpochalSpark spark) throws Exception {
    int epochs = s.integer("epochs");
    JobSpec warm = mainJob("one-worker-warmup", 1, 1).resolve();
    DataShard shard = collectShard(spark, warm, 0);
    LocalLoop loop = new LocalLoop(TrainingConfigs.of(warm), shard);
    log.println("bench: (1) warming up the local loop and the Spark path (1 epoch each)");
    loop.run(1);
    train(spark, warm);
    int pairs = s.integer("pairs");
    double[] ratios = new double[pairs];
    Run best = null;
    LocalLoop.Result bestLocal = null;
    for (int i = 0; i < pairs; i++) {
      LocalLoop.Result local;
      Run run;
      if (i % 2 == 0) {
        local = localRun(loop, epochs);
        run = sparkRun(spark, epochs);
      } else {
        run = sparkRun(spark, epochs);
        local = localRun(loop, epochs);
      }
      run.diff = LocalLoop.maxAbsDiff(local.state(), run.outcome.state());
      if (run.diff != 0) {
        log.printf("bench: (1) the final states differ (max |diff| %.3g)%n", run.diff);
      }
      ratios[i] = (double) run.trainingNanos() / local.nanos();
      log.printf("bench: (1) pair %d: Spark / local = %.3f%n", i + 1, ratios[i]);
      best = best == null || run.trainingNanos() < best.trainingNanos() ? run : best;
      bestLocal = bestLocal == null || local.nanos() < bestLocal.nanos() ? local : bestLocal;
    }
    double median = CopyCost.median(ratios);
    double fastest = (double) best.trainingNanos() / bestLocal.nanos();
    int rounds = bestLocal.rounds();
    table.add("1", oneWorkerLabel(epochs), mainSetup("local[1]", epochs),
        String.format("fastest of %d: %s epochs incl. checkpoints (%s whole job with data load); %.1f ms/round; "
            + "CPU %s; epoch end → commit %.0f ms mean, the last (waited for) %.0f ms", pairs,
            Fmt.secs(best.trainingNanos()), Fmt.secs(best.wallNanos), best.trainingNanos() / 1e6 / rounds,
            Fmt.secs(best.cpuNanos), best.listener.meanCommitLagNanos(epochs) / 1e6,
            best.listener.commitLagNanos(epochs) / 1e6),
        String.format("LocalRound.run loop, no Spark/checkpoints, fastest of %d: %s; %.1f ms/round; CPU %s; "
            + "final state %s", pairs, Fmt.secs(bestLocal.nanos()), bestLocal.nanos() / 1e6 / rounds,
            Fmt.secs(bestLocal.cpuNanos()),
            best.diff == 0 ? "bit-identical" : String.format("max |diff| %.2g", best.diff)),
        String.format("%.3f× wall, median of %d back-to-back pairs (range %.3f–%.3f; fastest vs fastest %.3f×, "
            + "CPU %.3f×)", median, pairs, min(ratios), max(ratios), fastest,
            (double) best.cpuNanos / bestLocal.cpuNanos()),
        Fmt.verdict("≤ 1.05× wall", median <= 1.05));
  }

  /** Section 1's benchmark cell, naming the number of epochs each run trains. */
  static String oneWorkerLabel(int epochs) {
    return epochs + (epochs == 1 ? " epoch" : " epochs") + " on 1 worker: Spark vs local loop";
  }

  private LocalLoop.Result localRun(LocalLoop loop, int epochs) {
    log.printf("bench: (1) local loop, %d epochs%n", epochs);
    ThreadCpu before = ThreadCpu.snapshot();
    LocalLoop.Result local = loop.run(epochs);
    log.printf("bench: (1) local loop: %s, CPU %s; threads: %s%n", Fmt.secs(local.nanos()),
        Fmt.secs(local.cpuNanos()), ThreadCpu.snapshot().topSince(before, 6));
    return local;
  }

  private Run sparkRun(EpochalSpark spark, int epochs) throws Exception {
    log.printf("bench: (1) Spark, 1 worker, %d epochs%n", epochs);
    TaskSpans spans = new TaskSpans();
    spark.jsc().sc().addSparkListener(spans);
    Run run;
    ThreadCpu after;
    long endMillis;
    try {
      run = train(spark, mainJob("one-worker", 1, epochs).resolve());
      after = ThreadCpu.snapshot();
      endMillis = System.currentTimeMillis();
      spark.jsc().sc().listenerBus().waitUntilEmpty();
    } finally {
      spark.jsc().sc().removeSparkListener(spans);
    }
    long[] t = spans.since(run.listener.startedMillis());
    log.printf("bench: (1) Spark: %s, CPU %s; %d tasks: run %s, deserialize %s; idle ms before, between and "
        + "after tasks: %s; threads: %s%n", Fmt.secs(run.trainingNanos()), Fmt.secs(run.cpuNanos), t[0],
        Fmt.secs(t[1] * 1_000_000), Fmt.secs(t[2] * 1_000_000), spans.gaps(run.listener.startedMillis(), endMillis),
        after.topSince(run.listener.startedThreads(), 8));
    return run;
  }

  /** (2) Two workers against one on the same two-slot session. */
  void twoWorkersVsOne(EpochalSpark spark) throws Exception {
    int epochs = s.integer("epochs");
    // Two threads training in one JVM need longer than one to reach their steady state (the heap
    // grows and the young generation is resized): warm both paths up before measuring.
    int warm = s.integer("warmup-epochs");
    log.printf("bench: (2) warming up (%d epochs on 2 workers, 1 on 1 worker)%n", warm);
    train(spark, mainJob("two-workers-warmup", 2, warm).resolve());
    train(spark, mainJob("one-worker-warmup", 1, 1).resolve());
    Run one = null;
    Run two = null;
    for (int i = 0; i < s.integer("repeat"); i++) {
      log.printf("bench: (2) 1 worker, %d epochs%n", epochs);
      Run a = train(spark, mainJob("workers-1", 1, epochs).resolve());
      log.printf("bench: (2) 2 workers, %d epochs%n", epochs);
      Run b = train(spark, mainJob("workers-2", 2, epochs).resolve());
      one = one == null || a.trainingNanos() < one.trainingNanos() ? a : one;
      two = two == null || b.trainingNanos() < two.trainingNanos() ? b : two;
    }
    long samples = (long) s.integer("rows") * epochs;
    double sps1 = samples / (one.trainingNanos() / 1e9);
    double sps2 = samples / (two.trainingNanos() / 1e9);
    double ratio = sps2 / sps1;
    table.add("2", "2 workers vs 1 on 2 cores", mainSetup("local[2]", epochs),
        String.format("2 workers: %,.0f samples/s (%s, %d rounds/epoch, %.1f ms/round)", sps2,
            Fmt.secs(two.trainingNanos()), two.rounds, two.trainingNanos() / 1e6 / (two.rounds * epochs)),
        String.format("1 worker: %,.0f samples/s (%s, %d rounds/epoch, %.1f ms/round)", sps1,
            Fmt.secs(one.trainingNanos()), one.rounds, one.trainingNanos() / 1e6 / (one.rounds * epochs)),
        String.format("%.2f× samples/s", ratio), Fmt.verdict("≥ 1.7×", ratio >= 1.7));
  }

  /** (3) Time per round for each model size, next to copying and Kryo-serializing its state. */
  void roundTimeVsModelSize(EpochalSpark spark) throws Exception {
    int batch = s.integer("size-batch");
    int reps = s.integer("size-rounds");
    int features = s.integer("features");
    int classes = s.integer("classes");
    LoadedDataset shards = null;
    DataShard shard0 = null;
    try {
      for (long target : s.longs("sizes")) {
        MlpShape shape = MlpShape.forParams(features, classes, target);
        JobSpec spec = BenchJob.of("sizes", work.resolve("sizes"), data, shape).withOptimizer("sgd", 0.01)
            .with(JobKeys.WORKERS, 2).with(JobKeys.BATCH_SIZE, batch).with(JobKeys.LOCAL_STEPS, 1).resolve();
        if (shards == null) {
          shards = new DatasetLoader(spark.session()).load(DataOptions.fromJobSpec(spec));
          shard0 = shards.shards().collect().get(0);
        }
        TrainingConfig config = TrainingConfigs.of(spec);
        log.printf("bench: (3) %s, %s params: initialising%n", shape, Fmt.count(shape.params()));
        StateDict state = LocalLoop.freshState(config);
        ModelCache.forCurrentThread().close();
        RoundRunner runner = new RoundRunner(spark.jsc(), shards.shards(), config, Math.min(2, spark.slots()),
            Math.toIntExact(Math.max(shards.rowsOf(0), shards.rowsOf(1))));
        state = runner.run(state, 0, 0, 0, "bench warm-up").state();
        TaskTimes times = new TaskTimes();
        spark.jsc().sc().addSparkListener(times);
        double[] roundMs = new double[reps];
        long cpuStart = Fmt.processCpuNanos();
        for (int r = 0; r < reps; r++) {
          long t = System.nanoTime();
          AggregateResult result = runner.run(state, 0, r + 1, r + 1, "bench round " + (r + 1));
          roundMs[r] = (System.nanoTime() - t) / 1e6;
          state = result.state();
        }
        double roundCpuMs = (Fmt.processCpuNanos() - cpuStart) / 1e6 / reps;
        times.await(4 * reps, java.time.Duration.ofSeconds(60));
        spark.jsc().sc().removeSparkListener(times);
        log.printf("bench: (3) %s: worker round in-process%n", shape);
        double[] localMs = new double[reps];
        double[] localCpuMs = new double[reps];
        for (int r = -1; r < reps; r++) {
          long t = System.nanoTime();
          long c = Fmt.processCpuNanos();
          LocalRound.run(config, state, shard0, 0, r + 1, r + 1);
          if (r >= 0) {
            localMs[r] = (System.nanoTime() - t) / 1e6;
            localCpuMs[r] = (Fmt.processCpuNanos() - c) / 1e6;
          }
        }
        ModelCache.forCurrentThread().close();
        log.printf("bench: (3) %s: copy and Kryo%n", shape);
        CopyCost copy = CopyCost.measure(state, spark.jsc().getConf(), reps);
        double round = CopyCost.median(roundMs);
        double local = CopyCost.median(localMs);
        double localCpu = CopyCost.median(localCpuMs);
        double kryo = copy.serializeMs() + copy.deserializeMs();
        table.add("3", "time per round, " + Fmt.count(shape.params()) + " params",
            shape + ", sgd (state = model, " + Fmt.mib(state.totalBytes()) + "), 2 workers, 1 local step, batch "
                + batch + ", local[2]",
            String.format("%.0f ms/round (median of %d; min %.0f), CPU %.0f ms/round; mean task: worker %.0f ms (shuffle write %.0f),"
                + " reducer %.0f ms, deserialize %.0f ms, GC %.0f ms", round, reps, min(roundMs), roundCpuMs, times.workerTaskMs(),
                times.shuffleWriteMs(), times.reducerTaskMs(), times.deserializeMs(), times.gcMs()),
            String.format("one worker's LocalRound.run alone %.0f ms (CPU %.0f ms); arraycopy %.1f ms; "
                + "Kryo ser %.0f + deser %.0f ms", local, localCpu, copy.copyMs(), copy.serializeMs(),
                copy.deserializeMs()),
            String.format("orchestration %.0f ms wall = %.1f× a Kryo round trip; CPU beyond 2 workers' rounds "
                + "%.0f ms = %.1f× a Kryo round trip", round - local, (round - local) / kryo,
                roundCpuMs - 2 * localCpu, (roundCpuMs - 2 * localCpu) / kryo),
            "none (shows per-round cost)");
        state = null;
      }
    } finally {
      if (shards != null) {
        shards.unpersist();
      }
    }
  }

  /** (4) The checkpoint stall as a share of training time. */
  void checkpointStall(EpochalSpark spark) throws Exception {
    int epochs = s.integer("stall-epochs");
    MlpShape shape = new MlpShape(s.integer("features"), s.integer("stall-hidden"), s.integer("classes"));
    JobSpec spec = BenchJob.of("stall", work.resolve("stall-" + (++jobs)), data, shape)
        .with(JobKeys.BATCH_SIZE, s.integer("batch")).with(JobKeys.LOCAL_STEPS, s.integer("local-steps"))
        .with(JobKeys.WORKERS, 2).with(JobKeys.EPOCHS, epochs)
        .with(io.epochal.driver.config.MidEpochKeys.EVERY_N_ROUNDS, s.integer("stall-every-n-rounds")).resolve();
    int midEvery = s.integer("stall-every-n-rounds");
    log.printf("bench: (4) %s, %d epochs with a checkpoint each%s%n", shape, epochs,
        midEvery > 0 ? ", and a mid-epoch checkpoint every " + midEvery + " rounds" : "");
    Run run = train(spark, spec);
    long stall = run.outcome.checkpointStallNanos();
    long training = run.trainingNanos();
    long last = run.listener.commitLagNanos(epochs);
    double share = (double) stall / training;
    table.add("4", "checkpoint stall / training time",
        shape + " (" + Fmt.count(shape.params()) + " params), adam, checkpoint state "
            + Fmt.mib(run.outcome.state().totalBytes()) + ", 2 workers, batch " + s.integer("batch")
            + ", local_steps " + s.integer("local-steps") + ", " + epochs + " epochs, local[2]"
            + (midEvery > 0 ? ", checkpoint.every_n_rounds " + midEvery : ""),
        String.format("stall %s of %s training (%s/epoch)", Fmt.secs(stall), Fmt.secs(training),
            Fmt.secs(training / epochs)),
        String.format("epoch end → commit: %.0f ms mean; last epoch's write (nothing left to overlap) %.0f ms",
            run.listener.meanCommitLagNanos(epochs) / 1e6, last / 1e6),
        String.format("%.2f %% (%.2f %% without the last write)", 100.0 * share,
            100.0 * Math.max(0, stall - last) / training),
        Fmt.verdict("≤ 2 %", share <= 0.02));
  }

  private DataShard collectShard(EpochalSpark spark, JobSpec spec, int worker) throws BadInputException {
    LoadedDataset d = new DatasetLoader(spark.session()).load(DataOptions.fromJobSpec(spec));
    try {
      return d.shards().collect().get(worker);
    } finally {
      d.unpersist();
    }
  }

  private Run train(EpochalSpark spark, JobSpec spec) throws Exception {
    TimingListener listener = new TimingListener();
    long t = System.nanoTime();
    TrainingOutcome outcome = TrainingJob.builder().setSpec(spec).setSpark(spark).optListener(listener).build().run();
    long wall = System.nanoTime() - t;
    long cpu = Fmt.processCpuNanos() - listener.startedCpuNanos();
    if (!listener.warnings().isEmpty()) {
      throw new IllegalStateException("job " + spec.jobName() + " reported warnings, not a clean run: "
          + listener.warnings());
    }
    return new Run(outcome, listener, wall, cpu);
  }

  private static double min(double[] xs) {
    double m = Double.POSITIVE_INFINITY;
    for (double x : xs) {
      m = Math.min(m, x);
    }
    return m;
  }

  private static double max(double[] xs) {
    double m = Double.NEGATIVE_INFINITY;
    for (double x : xs) {
      m = Math.max(m, x);
    }
    return m;
  }

  /** One training job's outcome and timings. */
  private static final class Run {
    final TrainingOutcome outcome;
    final TimingListener listener;
    final long wallNanos;
    final long cpuNanos;
    final int rounds;
    double diff;

    Run(TrainingOutcome outcome, TimingListener listener, long wallNanos, long cpuNanos) {
      this.outcome = outcome;
      this.listener = listener;
      this.wallNanos = wallNanos;
      this.cpuNanos = cpuNanos;
      this.rounds = listener.rounds();
    }

    long trainingNanos() {
      return outcome.trainingNanos();
    }
  }
}
