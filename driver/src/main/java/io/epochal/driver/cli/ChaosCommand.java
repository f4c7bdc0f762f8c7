package io.epochal.driver.cli;

import io.epochal.driver.chaos.ChaosOptions;
import io.epochal.driver.chaos.ChaosReport;
import io.epochal.driver.chaos.ChaosRunner;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code epochal chaos}: trains a small job in child drivers, kills the driver (or an executor)
 * at random moments, resumes until it completes, and checks that the final state is bit-identical
 * to an uninterrupted run. Exit 0 only if every iteration matched.
 */
@Command(name = "chaos", mixinStandardHelpOptions = true,
    description = {"Fault injection: train a small job in child drivers, SIGKILL the driver (or an executor) at "
        + "random moments, resume until it completes, and compare the final checkpoints with an uninterrupted "
        + "run bit for bit.",
        "Prints iterations, faults injected and whether every final state matched; exits 0 only if all matched."},
    footer = {"", "Examples:", "  epochal chaos --iterations 2 --max-kills-per-run 1",
        "  epochal chaos --iterations 50 --seed 7 --max-kills-per-run 3",
        "  epochal chaos --iterations 20 --executor-kills      (local-cluster[2,1,1024])"})
final class ChaosCommand implements Callable<Integer> {

  @ParentCommand
  EpochalCli cli;

  @Spec
  CommandSpec spec;

  @Option(names = "--iterations", paramLabel = "N", defaultValue = "3",
      description = "Jobs to train under faults (default ${DEFAULT-VALUE}).")
  int iterations;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
      description = "Seed of the random choices: the same seed draws the same sequence (each kill's moment as a "
          + "share of the reference run's timeline, driver or executor, which executor), but a moment is a time, "
          + "not a training position: where in training a kill lands varies with the machine's speed, so a run "
          + "is not replayed kill for kill (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--max-kills-per-run", paramLabel = "K", defaultValue = "2",
      description = "Faults injected into one job at most, then it runs to its end (default ${DEFAULT-VALUE}).")
  int maxKills;

  @Option(names = "--executor-kills", description = "Also kill executor JVMs; the children run on "
      + ChaosOptions.CLUSTER_MASTER + " unless --master says otherwise.")
  boolean executorKills;

  @Option(names = "--epochs", paramLabel = "N", defaultValue = "4",
      description = "Epochs of the chaos job (default ${DEFAULT-VALUE}).")
  int epochs;

  @Option(names = "--work-dir", paramLabel = "DIR", description = "A local directory where data, job directories "
      + "and child logs go (default: a new directory epochal-chaos-* in $${TMPDIR:-/tmp}, deleted when every state "
      + "matched; kept, and named, after a mismatch, a failure or a stop).")
  String workDirText;

  @Option(names = "--keep", description = "Keep the default work directory even when every state matched.")
  boolean keep;

  @Option(names = "--set", paramLabel = "KEY=VALUE", converter = KeyValues.Entry.class,
      description = "A key of the job trained under faults, over its own (an 8-16-3 MLP, Adam): the model's, "
      + "optimizer's, schedule's, loss's and training keys, e.g. --set schedule.name=plateau. Repeatable.")
  List<String> sets = new ArrayList<>();

  @Override
  public Integer call() throws Exception {
    if (!cli.conf.isEmpty()) {
      throw new IllegalArgumentException("chaos takes no --conf (given: " + String.join(", ", cli.conf) + "): its "
          + "drivers run its own job on its own Spark conf, which --master chooses the master of; give the job's keys "
          + "with --set");
    }
    Path workDir = workDirText == null ? null : localWorkDir(workDirText);
    if (workDir != null) {
      io.epochal.driver.config.CreatablePath.requireDirectory("--work-dir",
          new org.apache.hadoop.fs.Path(workDir.toAbsolutePath().toUri()), new org.apache.hadoop.conf.Configuration());
    }
    ChaosOptions options = ChaosOptions.builder().optIterations(iterations).optSeed(seed).optMaxKillsPerRun(maxKills)
        .optExecutorKills(executorKills).optMaster(cli.master).optEpochs(epochs).optWorkDir(workDir)
        .optKeepWorkDir(keep).optSettings(KeyValues.parse("--set", sets)).build();
    PrintStream out = new PrintStream(new WriterOutputStream(spec.commandLine().getOut()), true,
        StandardCharsets.UTF_8);
    ChaosReport report = new ChaosRunner(options, out).run();
    out.flush();
    return report.allMatched() ? ExitCodes.OK : ExitCodes.FAILED;
  }

  /**
   * {@code text} as a local path: a plain path or a {@code file:} URI. Any other scheme is refused:
   * chaos kills processes, and keeps the jobs it kills on the local disk (it reads their files
   * directly), so a {@code hdfs://} work directory would become a local one named {@code hdfs:}.
   */
  static Path localWorkDir(String text) {
    java.util.regex.Matcher scheme = java.util.regex.Pattern.compile("^([a-zA-Z][a-zA-Z0-9+.-]+):").matcher(text);
    if (!scheme.find()) {
      return Path.of(text);
    }
    if (scheme.group(1).equalsIgnoreCase("file")) {
      return Path.of(java.net.URI.create(text));
    }
    throw new io.epochal.driver.config.ConfigException("--work-dir", "--work-dir = '" + text + "' is not on the local "
        + "file system: chaos keeps the jobs whose drivers it kills, their data and their logs in a local directory; "
        + "give a local path (a job directory on HDFS is tested by killing a driver of a job there, see 'Failure "
        + "recovery' in the README)");
  }

  /** Bridges picocli's writer to the runner's print stream. */
  private static final class WriterOutputStream extends java.io.OutputStream {
    private final java.io.PrintWriter writer;
    private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

    WriterOutputStream(java.io.PrintWriter writer) {
      this.writer = writer;
    }

    @Override
    public void write(int b) {
      line.write(b);
      if (b == '\n') {
        flush();
      }
    }

    @Override
    public void flush() {
      writer.print(line.toString(StandardCharsets.UTF_8));
      writer.flush();
      line.reset();
    }
  }
}
