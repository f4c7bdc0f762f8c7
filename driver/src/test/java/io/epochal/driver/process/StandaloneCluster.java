package io.epochal.driver.process;

import static com.google.common.base.Preconditions.checkState;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A Spark standalone cluster on loopback: a master and one worker, each a JVM of its own started
 * from a Spark home whose {@code jars/} holds Spark's jars alone (what a Spark distribution has),
 * so that drivers submitted in cluster mode run in JVMs the worker starts, as on a cluster. {@link
 * #close()} kills every driver and executor the worker started, then the worker and the master.
 */
final class StandaloneCluster implements AutoCloseable {

  private static final String MASTER_MAIN = "org.apache.spark.deploy.master.Master";
  private static final String WORKER_MAIN = "org.apache.spark.deploy.worker.Worker";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

  private final List<String> sparkClasspath;
  private final Path dir;
  private final Map<String, String> environment;
  private final String masterUrl;
  private final ChildJvm master;
  private final ChildJvm worker;

  private StandaloneCluster(List<String> sparkClasspath, Path dir, Map<String, String> environment, String masterUrl,
      ChildJvm master, ChildJvm worker) {
    this.sparkClasspath = sparkClasspath;
    this.dir = dir;
    this.environment = environment;
    this.masterUrl = masterUrl;
    this.master = master;
    this.worker = worker;
  }

  /** Starts a master and a worker of {@code cores} cores in {@code dir}, and waits until they are joined. */
  static StandaloneCluster start(List<String> sparkClasspath, Path dir, int cores) throws Exception {
    Path jars = Files.createDirectories(dir.resolve("spark-home").resolve("jars"));
    for (String entry : sparkClasspath) {
      Path jar = Paths.get(entry).toAbsolutePath();
      Files.createSymbolicLink(jars.resolve(jar.getFileName()), jar);
    }
    Path work = Files.createDirectories(dir.resolve("work"));
    Map<String, String> env = Map.of("SPARK_HOME", jars.getParent().toString(), "SPARK_SCALA_VERSION", "2.13",
        "SPARK_LOCAL_IP", "127.0.0.1", "ONEDNN_MAX_CPU_ISA", "AVX");
    int port = freePort();
    ChildJvm master = ChildJvm.start("spark master", sparkClasspath, MASTER_MAIN, dir.resolve("master.log"), env, List.of(),
        "--host", "127.0.0.1", "--port", String.valueOf(port), "--webui-port", String.valueOf(freePort()));
    ChildJvm worker = null;
    try {
      master.awaitOutput("I have been elected leader", START_TIMEOUT);
      // the port it bound: another process may have taken the free one in the meantime, and Spark then binds the next
      java.util.regex.Matcher bound = java.util.regex.Pattern.compile("Starting Spark master at (spark://\\S+)")
          .matcher(master.output());
      String url = bound.find() ? bound.group(1) : "spark://127.0.0.1:" + port;
      worker = ChildJvm.start("spark worker", sparkClasspath, WORKER_MAIN, dir.resolve("worker.log"), env, List.of(),
          "--host", "127.0.0.1", "--webui-port", String.valueOf(freePort()), "--cores", String.valueOf(cores),
          "--memory", "4g", "--work-dir", work.toString(), url);
      worker.awaitOutput("Successfully registered with master", START_TIMEOUT);
      return new StandaloneCluster(sparkClasspath, dir, env, url, master, worker);
    } catch (Exception | AssertionError e) {
      if (worker != null) {
        worker.close();
      }
      master.close();
      throw e;
    }
  }

  /** {@code spark://127.0.0.1:<port>}. */
  String masterUrl() {
    return masterUrl;
  }

  /**
   * Submits {@code epochal <args>} from {@code appJar} in cluster mode with {@code --supervise}
   * and {@code options} (spark-submit's), waiting for the submission to be accepted. The executors'
   * temporary files go to a folder of the cluster's; a driver's go there when {@code options} give
   * its {@code -Djava.io.tmpdir} as {@link #driverTmpDir}.
   */
  void submitSupervised(String name, Path appJar, List<String> options, String... args) throws Exception {
    Path scratch = Files.createDirectories(dir.resolve("tmp-" + name)).toAbsolutePath();
    List<String> all = new ArrayList<>(List.of("--master", masterUrl, "--deploy-mode", "cluster", "--supervise",
        "--driver-memory", "1g", "--executor-memory", "1g", "--conf", "spark.ui.enabled=false",
        "--conf", "spark.local.dir=" + scratch, // the killed driver's and executors' folders stay in the test's
        "--conf", "spark.executor.extraJavaOptions=-Dai.djl.offline=true -Djava.io.tmpdir=" + scratch));
    all.addAll(options);
    all.addAll(List.of("--class", EpochalCommands.CLI_MAIN, appJar.toAbsolutePath().toString()));
    all.addAll(List.of(args));
    try (ChildJvm submit = ChildJvm.start("spark-submit " + name, sparkClasspath, EpochalCommands.SPARK_SUBMIT_MAIN,
        dir.resolve("submit-" + name + ".log"), environment, List.of(), all.toArray(String[]::new))) {
      int code = submit.awaitExit(START_TIMEOUT);
      if (code != 0) {
        throw new AssertionError("spark-submit " + name + " exited with " + code + ":\n" + submit.logTail(40));
      }
    }
  }

  /** The {@code -Djava.io.tmpdir} option for the driver of the submission {@code name}. */
  String driverTmpDir(String name) {
    return "-Djava.io.tmpdir=" + dir.resolve("tmp-" + name).toAbsolutePath();
  }

  /**
   * Runs {@code epochal <args>} against the master in client mode as {@code bin/epochal} starts it:
   * a JVM on Spark's jars and {@code appJar}, which it names as the application's jars, not through
   * spark-submit.
   */
  EpochalCommands.Finished runFromClasspath(String name, Path appJar, Duration timeout, String... args)
      throws Exception {
    List<String> classpath = new ArrayList<>(sparkClasspath);
    classpath.add(appJar.toAbsolutePath().toString());
    List<String> all = new ArrayList<>(List.of("--master", masterUrl, "--conf", "spark.ui.enabled=false",
        "--conf", "spark.local.dir=" + Files.createDirectories(dir.resolve("tmp-" + name)).toAbsolutePath(),
        "--conf", "spark.executor.extraJavaOptions=-Dai.djl.offline=true " + driverTmpDir(name)));
    all.addAll(List.of(args));
    try (ChildJvm driver = ChildJvm.start("epochal " + name, classpath, EpochalCommands.CLI_MAIN,
        dir.resolve(name + ".log"), environment, List.of("-Depochal.application.jars=" + appJar.toAbsolutePath()),
        all.toArray(String[]::new))) {
      return new EpochalCommands.Finished(name, driver.awaitExit(timeout), driver.output());
    }
  }

  /**
   * The working directory of the driver whose command line names {@code marker} (its job file),
   * once the worker has launched it.
   */
  Path awaitDriverDir(String marker, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try (Stream<Path> dirs = Files.list(dir.resolve("work"))) {
        for (Path d : dirs.filter(p -> p.getFileName().toString().startsWith("driver-")).toList()) {
          Path stderr = d.resolve("stderr");
          if (Files.exists(stderr) && Files.readString(stderr, StandardCharsets.UTF_8).contains(marker)) {
            return d;
          }
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no driver naming " + marker + " was launched within " + timeout + "; worker:\n"
        + worker.logTail(40));
  }

  /**
   * Waits until the worker says the driver of {@code driverDir} exited successfully (0, which a
   * supervised driver's worker does not restart).
   */
  void awaitDriverFinished(Path driverDir, Duration timeout) throws Exception {
    String line = "Driver " + driverDir.getFileName() + " exited successfully";
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!worker.output().contains(line)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the worker did not say '" + line + "' within " + timeout + "; driver:\n"
            + tail(driverDir.resolve("stderr"), 40) + "\nworker:\n" + worker.logTail(20));
      }
      Thread.sleep(100);
    }
  }

  /** How many times the worker launched the driver of {@code driverDir} (its stderr's launch headers). */
  static long launches(Path driverDir) throws IOException {
    return Files.readString(driverDir.resolve("stderr"), StandardCharsets.UTF_8).lines()
        .filter(l -> l.startsWith("Launch Command:")).count();
  }

  /** The running driver JVM whose command line names {@code marker}, a child of the worker. */
  Optional<ProcessHandle> driverProcess(String marker) {
    return ProcessHandle.of(worker.pid()).stream().flatMap(ProcessHandle::descendants)
        .filter(p -> p.info().commandLine().map(c -> c.contains("DriverWrapper") && c.contains(marker)).orElse(false))
        .findFirst();
  }

  static String tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "<cannot read " + file + ": " + e.getMessage() + ">";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** Kills every driver and executor the worker started, then stops the worker and the master. */
  @Override
  public void close() throws InterruptedException {
    List<ProcessHandle> children = ProcessHandle.of(worker.pid()).stream().flatMap(ProcessHandle::descendants)
        .toList();
    children.forEach(ProcessHandle::destroyForcibly);
    for (ProcessHandle child : children) {
      child.onExit().orTimeout(60, java.util.concurrent.TimeUnit.SECONDS).exceptionally(t -> child).join();
    }
    try {
      worker.terminate(Duration.ofSeconds(30));
    } finally {
      master.terminate(Duration.ofSeconds(30));
    }
    checkState(children.stream().noneMatch(ProcessHandle::isAlive), "a process of the worker survived SIGKILL");
  }
}
