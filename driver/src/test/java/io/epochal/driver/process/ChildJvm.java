package io.epochal.driver.process;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Java program in its own JVM, as a user would start it: the Spark {@code --add-opens} flags,
 * {@code -Dai.djl.offline=true}, loopback binding, a class path and a main class. Output (stdout and
 * stderr) goes to a log file, so the child never blocks on a full pipe, and its temporary files
 * (Spark's local and worker directories, unpacked native libraries) to a directory beside the log,
 * which the test's temporary directory takes with it even when the child was killed. {@link
 * #close()} kills the process if it still runs: open it in try-with-resources.
 */
final class ChildJvm implements AutoCloseable {

  /** System property with the parent pom's {@code spark.java.opens} flags, set by the build. */
  static final String OPENS_PROPERTY = "epochal.test.spark.java.opens";

  private final String name;
  private final Process process;
  private final Path log;
  private final long startNanos;

  private ChildJvm(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.startNanos = System.nanoTime();
  }

  /**
   * Starts {@code mainClass} with {@code args} on {@code classpath}; output goes to
   * {@code log}.
   */
  static ChildJvm start(String name, List<String> classpath, String mainClass, Path log, String... args)
      throws IOException {
    return start(name, classpath, mainClass, log, java.util.Map.of(), List.of(), args);
  }

  /**
   * Starts {@code mainClass} as {@link #start(String, List, String, Path, String...)} does, with
   * {@code environment} added to its environment ({@code SPARK_HOME} among them, which is otherwise
   * removed) and {@code jvmOptions} after the usual ones.
   */
  static ChildJvm start(String name, List<String> classpath, String mainClass, Path log,
      java.util.Map<String, String> environment, List<String> jvmOptions, String... args) throws IOException {
    checkArgument(!classpath.isEmpty(), "class path of %s is empty", name);
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx1g");
    command.add("-XX:+UseSerialGC");
    command.add("-XX:TieredStopAtLevel=1");
    command.addAll(sparkJavaOpens());
    command.add("-Dai.djl.offline=true");
    command.add("-Djava.net.preferIPv4Stack=true");
    Path scratch = Files.createDirectories(log.resolveSibling(log.getFileName() + ".tmp"));
    command.add("-Djava.io.tmpdir=" + scratch.toAbsolutePath());
    command.addAll(jvmOptions);
    command.add("-cp");
    command.add(String.join(java.io.File.pathSeparator, classpath));
    command.add(mainClass);
    command.addAll(Arrays.asList(args));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("SPARK_SCALA_VERSION", "2.13");
    pb.environment().remove("SPARK_HOME");
    pb.environment().putAll(environment);
    Files.writeString(log, "", StandardCharsets.UTF_8);
    return new ChildJvm(name, pb.start(), log);
  }

  /**
   * The JVM flags Spark needs on Java 17: the build passes the parent pom's
   * {@code spark.java.opens} as {@value #OPENS_PROPERTY}; without it (a run from an IDE), the
   * {@code --add-opens} and Spark-related {@code -D} flags this JVM was started with.
   */
  static List<String> sparkJavaOpens() {
    String opens = System.getProperty(OPENS_PROPERTY);
    if (opens != null && !opens.isBlank()) {
      return List.of(opens.trim().split("\\s+"));
    }
    List<String> own = new ArrayList<>();
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens") || arg.startsWith("-Djdk.reflect.useDirectMethodHandle")
          || arg.startsWith("-Dio.netty.tryReflectionSetAccessible")) {
        own.add(arg);
      }
    }
    checkState(!own.isEmpty(), "neither the %s property nor --add-opens flags of this JVM are set; run the test "
        + "through Maven, or pass -D%s=\"<the parent pom's spark.java.opens>\"", OPENS_PROPERTY, OPENS_PROPERTY);
    return own;
  }

  /**
   * This test JVM's class path as entries: the real one that Surefire records in
   * {@code surefire.test.class.path} (its own {@code java.class.path} may be a manifest-only jar),
   * else {@code java.class.path}.
   */
  static List<String> testClasspath() {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    return classpathEntries(cp, "this JVM's class path");
  }

  /** The class path entries listed in {@code file} (one line, separated by the path separator). */
  static List<String> classpathFromFile(Path file) {
    checkArgument(Files.isRegularFile(file), "class path file %s does not exist; build it with 'mvn -pl driver "
        + "generate-test-resources'", file);
    try {
      return classpathEntries(Files.readString(file, StandardCharsets.UTF_8).trim(), file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the class path file " + file, e);
    }
  }

  private static List<String> classpathEntries(String cp, String what) {
    checkNotNull(cp, what);
    List<String> entries = new ArrayList<>();
    for (String e : cp.split(java.io.File.pathSeparator)) {
      if (!e.isBlank()) {
        checkArgument(Files.exists(Paths.get(e)), "%s lists %s, which does not exist", what, e);
        entries.add(e);
      }
    }
    checkArgument(!entries.isEmpty(), "%s is empty", what);
    return entries;
  }

  /** The process id. */
  long pid() {
    return process.pid();
  }

  /** Whether the process still runs. */
  boolean isAlive() {
    return process.isAlive();
  }

  /** Runs {@code action} with the exit code once the process has ended (in another thread). */
  void whenEnded(java.util.function.IntConsumer action) {
    process.onExit().thenAccept(p -> action.accept(p.exitValue()));
  }

  /** Time since the start. */
  Duration elapsed() {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /**
   * Waits for the process to end by itself and returns its exit code.
   *
   * @throws AssertionError naming the program and the log's tail if it runs longer than {@code timeout}
   */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      killWithDescendants();
      throw new AssertionError(name + " did not end within " + timeout + "; killed it. Output:\n" + logTail(60));
    }
    return process.exitValue();
  }

  /**
   * Waits until the output contains {@code text}.
   *
   * @throws AssertionError with the output if the process ends first or the time is up
   */
  void awaitOutput(String text, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!output().contains(text)) {
      if (!process.isAlive()) {
        throw new AssertionError(name + " ended without printing '" + text + "'. Output:\n" + logTail(60));
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(name + " did not print '" + text + "' within " + timeout + ". Output:\n"
            + logTail(60));
      }
      Thread.sleep(5);
    }
  }

  /**
   * SIGTERM ({@link Process#destroy()}), as {@code kill} or a cluster manager stops a process; waits
   * for it to end and returns its exit code.
   *
   * @throws AssertionError with the output if it still runs after {@code timeout} (it is then killed)
   */
  int terminate(Duration timeout) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      killWithDescendants();
      throw new AssertionError(name + " still ran " + timeout + " after SIGTERM; killed it. Output:\n" + logTail(60));
    }
    return process.exitValue();
  }

  /**
   * SIGKILL to the process and every process it started (the child drivers of a {@code resume --all}, their
   * executors), for a test that gave up on it: none of them may train on beside the tests after it.
   */
  private void killWithDescendants() throws InterruptedException {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    kill();
  }

  /** SIGKILL ({@link Process#destroyForcibly()}), then waits until the process is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new AssertionError(name + " (pid " + process.pid() + ") survived SIGKILL for 60 s");
    }
  }

  /** The output so far. */
  String output() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "<cannot read " + log + ": " + e.getMessage() + ">";
    }
  }

  /** The last {@code lines} lines of the output. */
  String logTail(int lines) {
    List<String> all = output().lines().toList();
    return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
  }

  /** Kills the process if it still runs (SIGKILL) and waits for it to be gone. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }

  @Override
  public String toString() {
    return name + " (pid " + process.pid() + ", log " + log + ")";
  }
}
