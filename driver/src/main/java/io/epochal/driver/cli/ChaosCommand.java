package io.epochal.driver.cli;

import io.epochal.driver.chaos.ChaosOptions;
import io.epochal.driver.chaos.ChaosReport;
import io.epochal.driver.chaos.ChaosRunner;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
      description = "Seed of the kill moments and kinds; the same seed replays the same choices "
          + "(default ${DEFAULT-VALUE}).")
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

  @Option(names = "--work-dir", paramLabel = "DIR", description = "Where data, job directories and child logs "
      + "go (default: a new temporary directory, deleted when every state matched).")
  Path workDir;

  @Option(names = "--keep", description = "Keep the temporary work directory even when every state matched.")
  boolean keep;

  @Override
  public Integer call() throws Exception {
    if (workDir != null) {
      io.epochal.driver.config.CreatablePath.requireDirectory("--work-dir",
          new org.apache.hadoop.fs.Path(workDir.toAbsolutePath().toUri()), new org.apache.hadoop.conf.Configuration());
    }
    ChaosOptions options = ChaosOptions.builder().optIterations(iterations).optSeed(seed).optMaxKillsPerRun(maxKills)
        .optExecutorKills(executorKills).optMaster(cli.master).optEpochs(epochs).optWorkDir(workDir)
        .optKeepWorkDir(keep).build();
    PrintStream out = new PrintStream(new WriterOutputStream(spec.commandLine().getOut()), true,
        StandardCharsets.UTF_8);
    ChaosReport report = new ChaosRunner(options, out).run();
    out.flush();
    return report.allMatched() ? ExitCodes.OK : ExitCodes.FAILED;
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
