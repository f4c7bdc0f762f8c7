package io.epochal.driver.chaos;

import static com.google.common.base.Preconditions.checkNotNull;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One {@code epochal} command in a child JVM (the classpath and JVM flags of this one), its
 * standard output and error going to a log file. The child can be killed with SIGKILL (with the
 * processes it started), paused with SIGSTOP and continued with SIGCONT, and one of its Spark
 * executor JVMs (on {@code local-cluster}) can be killed on its own.
 *
 * <p>Each child gets a temporary directory of its own ({@code java.io.tmpdir}, and with it Spark's
 * local directories, its {@code local-cluster} workers' directories and the native libraries its
 * libraries unpack), deleted once the child and the processes it started are gone: a JVM killed
 * with SIGKILL never runs the shutdown hooks that would have deleted them.
 */
public final class ChildDriver implements AutoCloseable {

  /** Children still running; killed by a shutdown hook if this JVM ends first (SIGTERM, Ctrl-C). */
  private static final Set<ChildDriver> LIVE = ConcurrentHashMap.newKeySet();
  private static final AtomicBoolean HOOKED = new AtomicBoolean();
  /** Set by the shutdown hook before it kills the children. */
  private static volatile boolean stopping;
  private static final String CLI_MAIN = "io.epochal.driver.cli.EpochalCli";

  private final Process process;
  private final Path log;
  private final List<String> command;
  private final ScratchDirectory scratch;

  private ChildDriver(Process process, Path log, List<String> command, ScratchDirectory scratch) {
    this.process = process;
    this.log = log;
    this.command = command;
    this.scratch = scratch;
  }

  /**
   * Starts {@code java ... io.epochal.driver.cli.EpochalCli <args>}, appending its output to
   * {@code log}.
   */
  public static ChildDriver start(Path log, List<String> args) throws IOException {
    return start(log, CLI_MAIN, args);
  }

  /** Starts {@code mainClass} with {@code args} in a child JVM as {@link #start(Path, List)} does. */
  static ChildDriver start(Path log, String mainClass, List<String> args) throws IOException {
    checkNotNull(log, "log");
    if (stopping) { // the shutdown hook has killed the children: a new one would outlive this JVM
      throw new java.io.InterruptedIOException("stopped by a signal: no new child driver for " + log);
    }
    ScratchDirectory scratch = ScratchDirectory.create();
    List<String> cmd = javaCommand(mainClass, scratch.path());
    cmd.addAll(args);
    Files.createDirectories(log.toAbsolutePath().getParent());
    Files.writeString(log, "$ epochal " + String.join(" ", args) + "\n", StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putIfAbsent("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().putIfAbsent("SPARK_SCALA_VERSION", "2.13");
    if (HOOKED.compareAndSet(false, true)) {
      Runtime.getRuntime().addShutdownHook(new Thread(ChildDriver::killLive, "epochal-child-drivers"));
    }
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      scratch.delete();
      throw e;
    }
    ChildDriver child = new ChildDriver(process, log, List.copyOf(args), scratch);
    LIVE.add(child);
    process.onExit().thenRun(() -> scratch.deleteWhenGone(process.descendants().toList()));
    return child;
  }

  /**
   * Kills every child still running, with the processes it started: an orphaned driver would go
   * on training and holding its job's lease after the command that started it was stopped.
   */
  static void killLive() {
    stopping = true;
    LIVE.forEach(child -> child.scratch.deleteWhenGone(child.destroyTree()));
    LIVE.clear();
  }

  /**
   * Whether this JVM is shutting down and has killed (or is killing) its children: a child that
   * died now died of the stop, not of what it was running.
   */
  static boolean stopping() {
    return stopping;
  }

  /**
   * The JVM, its flags (with {@code tmpdir} as {@code java.io.tmpdir}) and {@code mainClass},
   * without the command's arguments.
   */
  static List<String> javaCommand(String mainClass, Path tmpdir) {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (arg.startsWith("--add-opens") || arg.startsWith("-Dai.djl") || arg.startsWith("-Djava.net")
          || arg.startsWith("-Dlog4j2") || arg.startsWith("-Djdk.reflect") || arg.startsWith("-Dio.netty")
          || arg.startsWith("-D" + io.epochal.driver.spark.ApplicationJars.PROPERTY + "=") // a spark:// master's
          || io.epochal.driver.app.ChildJvmOptions.classDataSharing(arg)) {
        cmd.add(arg);
      }
    }
    cmd.add("-Xmx1g");
    // The chaos job is small: its drivers live for seconds, most of which the JIT's optimizing
    // compiler would spend compiling Spark's start-up paths (README, "Chaos testing"). Training is
    // native (the engine) and Java's arithmetic is strict IEEE under either compiler, so the final
    // states do not depend on it.
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-Dai.djl.offline=true");
    cmd.add("-Djava.io.tmpdir=" + tmpdir);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    return cmd;
  }

  /** The child's process id. */
  public long pid() {
    return process.pid();
  }

  /** Whether it still runs. */
  public boolean isAlive() {
    return process.isAlive();
  }

  /** The log file holding its output. */
  public Path log() {
    return log;
  }

  /**
   * Waits up to {@code timeout} for the child to exit.
   *
   * @return its exit code, or empty if it still runs
   */
  public Optional<Integer> waitFor(Duration timeout) throws InterruptedException {
    if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      return Optional.of(process.exitValue());
    }
    return Optional.empty();
  }

  /**
   * Kills the driver with SIGKILL, then every process it started (its executor JVMs on
   * {@code local-cluster}), and waits for it to be gone.
   */
  public void kill() throws InterruptedException {
    List<ProcessHandle> killed = destroyTree();
    process.waitFor(60, TimeUnit.SECONDS);
    scratch.deleteWhenGone(killed);
    LIVE.remove(this);
  }

  /**
   * SIGKILL to the driver and to every process it started (listed first: they outlive it).
   *
   * @return the driver and the processes it started
   */
  private List<ProcessHandle> destroyTree() {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
    List<ProcessHandle> all = new ArrayList<>(children);
    all.add(0, process.toHandle());
    return all;
  }

  /** The child's Spark executor JVMs (none on {@code local[N]}). */
  public List<ProcessHandle> executors() {
    return process.descendants().filter(p -> commandLine(p).contains("CoarseGrainedExecutorBackend")).toList();
  }

  /** Sends SIGSTOP: the driver freezes (its threads, its heartbeat, its in-process Spark). */
  public void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** Sends SIGCONT to a paused driver. */
  public void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    // the shell's own kill: a minimal system may have no kill program (procps)
    Process kill = new ProcessBuilder("/bin/sh", "-c", "kill -" + name + " " + process.pid()).inheritIO().start();
    int code = kill.waitFor();
    if (code != 0) {
      throw new IOException("kill -" + name + " " + process.pid() + " exited with " + code);
    }
  }

  /** The child's output so far. */
  public String output() throws IOException {
    return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
  }

  /** The full command line of {@code p} from /proc (ProcessHandle.Info may shorten it). */
  static String commandLine(ProcessHandle p) {
    try {
      byte[] raw = Files.readAllBytes(Path.of("/proc/" + p.pid() + "/cmdline"));
      return new String(raw, StandardCharsets.UTF_8).replace('\0', ' ');
    } catch (IOException e) {
      return p.info().commandLine().orElse("");
    }
  }

  /** Kills the child and its processes if it still runs. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
    LIVE.remove(this);
  }

  @Override
  public String toString() {
    return "epochal " + String.join(" ", command) + " (pid " + process.pid() + ", log " + log + ")";
  }
}
