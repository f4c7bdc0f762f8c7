package io.epochal.driver.process;

import io.epochal.driver.cli.ExitCodes;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts {@code epochal} commands in child JVMs on {@code local[2]}: either the CLI's main class on
 * the test class path ({@link #onTestClasspath}), or the application jar through Spark's
 * {@code org.apache.spark.deploy.SparkSubmit}, as {@code spark-submit} runs it ({@link #sparkSubmit}).
 * Every process's output goes to {@code <logDir>/<name>.log}.
 */
final class EpochalCommands {

  /** The CLI's main class. */
  static final String CLI_MAIN = "io.epochal.driver.cli.EpochalCli";
  /** What {@code spark-submit} runs. */
  static final String SPARK_SUBMIT_MAIN = "org.apache.spark.deploy.SparkSubmit";
  /** The master every command runs on. */
  static final String MASTER = "local[2]";

  private final List<String> classpath;
  private final String mainClass;
  private final List<String> prefix;
  private final Path logDir;
  private final ChildClassData classData;

  private EpochalCommands(List<String> classpath, String mainClass, List<String> prefix, Path logDir,
      ChildClassData classData) {
    this.classpath = List.copyOf(classpath);
    this.mainClass = mainClass;
    this.prefix = List.copyOf(prefix);
    this.logDir = logDir;
    this.classData = classData;
  }

  /**
   * {@code java -cp <this test's class path> io.epochal.driver.cli.EpochalCli --master local[2] ...},
   * in a Maven build on the class path and with the class-data archive of {@link ChildClassData}.
   */
  static EpochalCommands onTestClasspath(Path logDir) {
    ChildClassData classData = ChildClassData.get().orElse(null);
    return new EpochalCommands(classData == null ? ChildJvm.testClasspath() : classData.classpath(), CLI_MAIN,
        List.of("--master", MASTER), logDir, classData);
  }

  /**
   * {@code java -cp <spark jars> org.apache.spark.deploy.SparkSubmit --master local[2] --class
   * io.epochal.driver.cli.EpochalCli <appJar> ...}.
   */
  static EpochalCommands sparkSubmit(List<String> sparkClasspath, Path appJar, Path logDir) {
    return new EpochalCommands(sparkClasspath, SPARK_SUBMIT_MAIN,
        List.of("--master", MASTER, "--conf", "spark.ui.enabled=false", "--class", CLI_MAIN,
            appJar.toAbsolutePath().toString()), logDir, null);
  }

  /** Starts {@code epochal <args>}; the caller closes (kills) it. */
  ChildJvm start(String name, String... args) throws IOException {
    return start(name, false, args);
  }

  /**
   * Starts {@code epochal <args>}; with {@code mayWriteClassData}, a child that runs to its end,
   * it may be the one that writes the class-data archive.
   */
  private ChildJvm start(String name, boolean mayWriteClassData, String... args) throws IOException {
    List<String> all = new ArrayList<>(prefix);
    all.addAll(List.of(args));
    ChildClassData.Launch launch = classData == null ? null : classData.launch(mayWriteClassData);
    ChildJvm jvm = ChildJvm.start("epochal " + name, classpath, mainClass, logDir.resolve(name + ".log"),
        java.util.Map.of(), launch == null ? List.of() : launch.options(), all.toArray(String[]::new));
    if (launch != null) {
      launch.started(jvm);
    }
    return jvm;
  }

  /**
   * Runs {@code epochal <args>} to its end and returns its exit code and output; a {@code train}
   * run may write the class-data archive.
   */
  Finished run(String name, Duration timeout, String... args) throws IOException, InterruptedException {
    try (ChildJvm jvm = start(name, args.length > 0 && args[0].equals("train"), args)) {
      int code = jvm.awaitExit(timeout);
      return new Finished(name, code, jvm.output());
    }
  }

  /** Starts {@code epochal train <spec>}. */
  ChildJvm startTrain(String name, Path spec) throws IOException {
    return start(name, "train", spec.toAbsolutePath().toString());
  }

  /** A command that ended: its exit code and output. */
  record Finished(String name, int code, String output) {

    /** Asserts exit code 0, showing the output otherwise. */
    Finished assertOk() {
      if (code != ExitCodes.OK) {
        throw new AssertionError("epochal " + name + " exited with " + code + ". Output:\n" + tail(80));
      }
      return this;
    }

    /** The last {@code lines} lines of the output. */
    String tail(int lines) {
      List<String> all = output.lines().toList();
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }
  }
}
