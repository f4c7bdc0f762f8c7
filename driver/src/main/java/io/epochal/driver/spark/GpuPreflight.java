package io.epochal.driver.spark;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Checks, before Spark starts, that the GPUs a run asks for can be given, where Spark itself would
 * not say so but wait: with GPUs asked of executors that cannot get them, Spark starts no executor
 * and the first job waits for resources forever ("Initial job has not accepted any resources").
 *
 * <ul>
 *   <li>on {@code local[N]}, any resource per task or executor in the Spark conf: its tasks run in
 *       the driver, where Spark assigns none;
 *   <li>{@code train.device = gpu} with no GPU per task in the Spark conf: every task fails for want
 *       of one;
 *   <li>on {@code local-cluster}, GPUs per task or executor without a worker discovery script: the
 *       in-process workers find no GPU to hand out;
 *   <li>on {@code local-cluster}, a discovery script that fails, hangs, prints no JSON, or names
 *       fewer GPUs than a worker must hold: it runs on this host, so it is run here first, as each
 *       worker will run it.
 * </ul>
 *
 * <p>On other masters the script runs on the cluster's nodes, not here, and is left to them.
 */
public final class GpuPreflight {

  /** How long the discovery script may take here. */
  static final Duration SCRIPT_TIMEOUT = Duration.ofSeconds(30);

  private static final String TASK_AMOUNT = "spark.task.resource.gpu.amount";
  private static final String EXECUTOR_AMOUNT = "spark.executor.resource.gpu.amount";
  private static final String WORKER_AMOUNT = "spark.worker.resource.gpu.amount";
  private static final String WORKER_SCRIPT = "spark.worker.resource.gpu.discoveryScript";

  private GpuPreflight() {}

  /**
   * Checks {@code gpus} on {@code master} against {@code conf}, every Spark conf entry the run will
   * have ({@link GpuResources#sparkConf} overridden by the user's).
   *
   * @throws IllegalArgumentException naming the key or the script and the fix
   */
  public static void check(GpuResources gpus, SparkMaster master, Map<String, String> conf) {
    checkNotNull(gpus, "gpus");
    checkNotNull(master, "master");
    checkNotNull(conf, "conf");
    double perTask = amount(conf, TASK_AMOUNT);
    checkArgument(!gpus.required() || perTask > 0, "train.device = gpu needs a GPU that Spark assigns to every "
        + "task, but no GPU is scheduled (%s is not set): set resources.gpus_per_executor, resources.gpus_per_task = 1 "
        + "and resources.gpu_discovery_script (docs/GPU.md), or train.device = auto (the CPU when there is no GPU) or "
        + "cpu", TASK_AMOUNT);
    refuseLocalResources(master, conf);
    if (master.kind() != SparkMaster.Kind.LOCAL_CLUSTER) {
      return;
    }
    double perWorker = Math.max(amount(conf, WORKER_AMOUNT), amount(conf, EXECUTOR_AMOUNT));
    if (perTask <= 0 && perWorker <= 0) {
      return;
    }
    String script = conf.getOrDefault(WORKER_SCRIPT, "").trim();
    checkArgument(!script.isEmpty(), "GPUs are asked of the executors of %s (%s), but its workers have no discovery "
        + "script to find them, and Spark would wait for them forever: set resources.gpu_discovery_script to an "
        + "executable script printing {\"name\":\"gpu\",\"addresses\":[...]} (docs/GPU.md)", master.url(),
        perTask > 0 ? TASK_AMOUNT + "=" + conf.get(TASK_AMOUNT) : EXECUTOR_AMOUNT + "=" + conf.get(EXECUTOR_AMOUNT));
    int found = discover(Path.of(script));
    checkArgument(found >= Math.ceil(perWorker), "resources.gpu_discovery_script = '%s' names %s GPU(s), fewer than the "
        + "%s each worker of %s must hold; Spark would wait for them forever: lower resources.gpus_per_executor or "
        + "fix the script", script, found, (long) Math.ceil(perWorker), master.url());
  }

  /**
   * Refuses executor or task resources (Spark's own {@code spark.task.resource.gpu.amount}, ...) in
   * {@code conf} on a {@code local[N]} master: its tasks run in the driver, where Spark assigns no
   * such resource, and the first job would wait for one forever without a word.
   *
   * @throws IllegalArgumentException naming the key and the fix
   */
  static void refuseLocalResources(SparkMaster master, Map<String, String> conf) {
    if (master.kind() != SparkMaster.Kind.LOCAL) {
      return;
    }
    for (Map.Entry<String, String> e : new java.util.TreeMap<>(conf).entrySet()) {
      checkArgument(!e.getKey().matches("spark\\.(task|executor)\\.resource\\.[^.]+\\.amount")
          || amount(conf, e.getKey()) <= 0, "%s = %s asks Spark for a resource per %s, but master %s runs tasks "
          + "inside the driver, where Spark assigns none: the first job would wait for it forever. Remove it, or use "
          + "local-cluster[N,C,MB] or a cluster master (resources.gpus_per_executor and resources.gpus_per_task set "
          + "both for GPUs; docs/GPU.md)", e.getKey(), e.getValue(),
          e.getKey().startsWith("spark.task") ? "task" : "executor", master.url());
    }
  }

  /**
   * Runs the discovery script as a worker would and returns how many GPU addresses it names.
   *
   * @throws IllegalArgumentException naming the script and what went wrong
   */
  static int discover(Path script) {
    return discover(script, SCRIPT_TIMEOUT);
  }

  /** As {@link #discover(Path)}, waiting at most {@code timeout} for the script. */
  static int discover(Path script, Duration timeout) {
    checkArgument(Files.isRegularFile(script) && Files.isExecutable(script), "resources.gpu_discovery_script = "
        + "'%s' is not an executable file; create it and chmod +x it", script);
    String out;
    int exit;
    Path output = null;
    try {
      // output to a file, not a pipe: a script that never ends must not block the read past the timeout
      output = Files.createTempFile("epochal-gpu-discovery", ".out");
      Process p = new ProcessBuilder(script.toString()).redirectErrorStream(true)
          .redirectOutput(output.toFile()).start();
      p.getOutputStream().close();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly); // a shell's sleep, nvidia-smi, ...
        p.destroyForcibly();
        throw new IllegalArgumentException("resources.gpu_discovery_script = '" + script + "' did not finish within "
            + timeout.toSeconds() + " s (Spark's workers would wait on it the same way); fix it so that it "
            + "prints {\"name\":\"gpu\",\"addresses\":[...]} and exits at once");
      }
      exit = p.exitValue();
      byte[] bytes;
      try (java.io.InputStream in = Files.newInputStream(output)) {
        bytes = in.readNBytes(64 * 1024); // what Spark reads is small JSON
      }
      out = new String(bytes, StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new IllegalArgumentException("resources.gpu_discovery_script = '" + script + "' cannot be run: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalArgumentException("interrupted while running resources.gpu_discovery_script = '" + script + "'",
          e);
    } finally {
      if (output != null) {
        try {
          Files.deleteIfExists(output);
        } catch (IOException ignored) {
          // a temporary file of a few bytes; the launcher's run directory is removed later
        }
      }
    }
    String shown = out.length() > 200 ? out.substring(0, 200) + "..." : out;
    checkArgument(exit == 0, "resources.gpu_discovery_script = '%s' exited %s (output: %s); fix it so that it prints "
        + "{\"name\":\"gpu\",\"addresses\":[...]} and exits 0", script, exit, shown.isEmpty() ? "none" : shown);
    JsonNode json;
    try {
      json = new ObjectMapper().readTree(out);
    } catch (IOException e) {
      json = null;
    }
    checkArgument(json != null && json.isObject() && "gpu".equals(json.path("name").asText(null))
        && json.path("addresses").isArray(), "resources.gpu_discovery_script = '%s' printed %s, not Spark's "
        + "{\"name\":\"gpu\",\"addresses\":[\"0\",...]}; fix its output", script, shown.isEmpty() ? "nothing" : "'"
        + shown + "'");
    return json.path("addresses").size();
  }

  private static double amount(Map<String, String> conf, String key) {
    String v = conf.get(key);
    if (v == null || v.isBlank()) {
      return 0;
    }
    try {
      return Double.parseDouble(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " = '" + v + "' is not a number", e);
    }
  }
}
