package io.epochal.driver.testing;

import io.epochal.driver.app.RegistryModelCatalog;
import io.epochal.driver.app.SparkTrainingLauncher;
import io.epochal.driver.cli.EpochalCli;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/**
 * One in-process run of the {@code epochal} command with the real Spark launcher and the registry's
 * catalog, capturing everything both print.
 */
public final class CliRun {

  /** The exit code. */
  public final int code;
  /** What the command and the launcher printed to standard output. */
  public final String out;
  /** What the command and the launcher printed to standard error. */
  public final String err;

  private CliRun(int code, String out, String err) {
    this.code = code;
    this.out = out;
    this.err = err;
  }

  /** Runs {@code epochal args...}. */
  public static CliRun of(String... args) {
    ByteArrayOutputStream launcherOut = new ByteArrayOutputStream();
    ByteArrayOutputStream launcherErr = new ByteArrayOutputStream();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code;
    try (PrintStream lo = new PrintStream(launcherOut, true, StandardCharsets.UTF_8);
        PrintStream le = new PrintStream(launcherErr, true, StandardCharsets.UTF_8)) {
      code = new EpochalCli(new SparkTrainingLauncher(lo, le), new RegistryModelCatalog())
          .execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }
    return new CliRun(code, out + launcherOut.toString(StandardCharsets.UTF_8),
        err + launcherErr.toString(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "exit " + code + "\n--- out ---\n" + out + "--- err ---\n" + err;
  }
}
