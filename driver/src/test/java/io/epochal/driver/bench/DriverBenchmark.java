package io.epochal.driver.bench;

import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.data.DataGenerator;
import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The driver benchmark of the speed targets: prints the machine and one markdown table.
 *
 * <ol>
 *   <li>{@code --epochs} epochs on one worker through Spark ({@code local[1]}, a {@code TrainingJob} with its
 *       checkpoints) against {@code LocalRound.run} in a plain loop over the same rounds, in
 *       {@code --pairs} back-to-back pairs (target: the median pair ratio ≤ 1.05× wall);
 *   <li>two workers against one on {@code local[2]}, one intra-op thread each (target ≥ 1.7×
 *       samples/s);
 *   <li>time per round for MLPs of about 1 M, 10 M and 50 M parameters (2 workers, 1 local step,
 *       tiny batch) next to an arraycopy and a Kryo round trip of the state;
 *   <li>the training stall from checkpointing as a share of training time (target ≤ 2 %).
 * </ol>
 *
 * <p>Arguments are {@code --key=value} (see {@link BenchSettings}, which checks them all before
 * anything starts; {@code --help} lists them), e.g. {@code --sections=1,4
 * --epochs=5}; {@code --spark-conf=spark.shuffle.compress=false;spark.broadcast.compress=false}
 * adds Spark conf entries. Run it with {@code bin/bench-driver}. Progress goes to standard error, the table to
 * standard output. Everything it writes goes to a temporary folder that it deletes at the end
 * (unless {@code --work-dir} names one).
 */
public final class DriverBenchmark {

  private DriverBenchmark() {}

  /**
   * Runs the benchmark, or prints the usage for {@code -h} / {@code --help}. A wrong argument is said
   * in one line, exit code 2, before anything starts.
   */
  public static void main(String[] args) throws Exception {
    if (BenchSettings.help(args)) {
      System.out.println(BenchSettings.usage());
      return;
    }
    BenchSettings settings;
    try {
      settings = BenchSettings.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("bench-driver: " + e.getMessage() + " (bin/bench-driver --help lists the keys)");
      System.exit(ExitCodes.USAGE);
      return;
    }
    PrintStream out = System.out;
    PrintStream log = System.err;
    boolean ownsWork = settings.text("work-dir").isEmpty();
    Path work = ownsWork ? Files.createTempDirectory("epochal-bench") : Paths.get(settings.text("work-dir"));
    Files.createDirectories(work);
    String loadBefore = loadAverage();
    long start = System.nanoTime();
    MarkdownTable table = new MarkdownTable("#", "benchmark", "setup", "Epochal (Spark)", "baseline", "result",
        "target");
    try {
      Path data = work.resolve("data");
      BenchSections sections = new BenchSections(settings, work, data, table, log);
      if (settings.section(1)) {
        try (EpochalSpark spark = session("local[1]", settings)) {
          generate(spark, settings, data, log);
          sections.oneWorkerVsLocalLoop(spark);
        }
      }
      if (settings.section(2) || settings.section(3) || settings.section(4)) {
        try (EpochalSpark spark = session("local[2]", settings)) {
          if (!Files.exists(data)) {
            generate(spark, settings, data, log);
          }
          if (settings.section(2)) {
            sections.twoWorkersVsOne(spark);
          }
          if (settings.section(4)) {
            sections.checkpointStall(spark);
          }
          if (settings.section(3)) {
            sections.roundTimeVsModelSize(spark);
          }
        }
      }
    } finally {
      if (ownsWork) {
        deleteTree(work);
      }
    }
    Runtime rt = Runtime.getRuntime();
    out.println();
    out.printf("Machine: %d cores, Java %s (%s), max heap %.1f GiB, %s; load average (1, 5, 15 min) %s before, "
            + "%s after; benchmark took %.0f s%n", rt.availableProcessors(), System.getProperty("java.version"),
        System.getProperty("java.vm.name"), rt.maxMemory() / (1024.0 * 1024 * 1024),
        System.getProperty("os.name") + " " + System.getProperty("os.arch"), loadBefore, loadAverage(),
        (System.nanoTime() - start) / 1e9);
    out.println("Settings: " + settings + "; JVM heap on " + (java.lang.management.ManagementFactory
        .getRuntimeMXBean().getInputArguments().contains("-XX:+UseTransparentHugePages")
        ? "transparent huge pages" : "default pages"));
    out.println();
    table.print(out);
  }

  private static EpochalSpark session(String master, BenchSettings settings) {
    return SparkSessions.builder().setMaster(master).optAppName("epochal-bench").optConf(settings.sparkConf())
        .build();
  }

  private static void generate(EpochalSpark spark, BenchSettings s, Path data, PrintStream log) {
    log.printf("bench: generating %,d rows x %d features, %d classes%n", s.integer("rows"), s.integer("features"),
        s.integer("classes"));
    DataGenerator.builder().optRows(s.integer("rows")).optFeatures(s.integer("features"))
        .optClasses(s.integer("classes")).optSeed(7).build()
        .write(spark.session(), data.toUri().toString(), true);
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Paths.get("/proc/loadavg")).trim().split("\\s+");
      return f[0] + ", " + f[1] + ", " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
