package io.epochal.driver.spark;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * GPU scheduling asked of Spark: GPUs per executor, GPUs per task and the discovery script (job
 * keys {@code resources.gpus_per_executor}, {@code resources.gpus_per_task},
 * {@code resources.gpu_discovery_script}). {@link #sparkConf} maps them to Spark's resource keys
 * for a master:
 *
 * <ul>
 *   <li>{@code spark.executor.resource.gpu.amount} and {@code spark.task.resource.gpu.amount};
 *   <li>{@code spark.executor.resource.gpu.discoveryScript} when a script is given (YARN and
 *       Kubernetes executors run it to find their GPUs);
 *   <li>on {@code local-cluster}, also {@code spark.worker.resource.gpu.amount} and
 *       {@code spark.worker.resource.gpu.discoveryScript}: its in-process standalone workers
 *       discover the GPUs and hand them to their executors. (On a real standalone cluster these are
 *       the workers' own settings, in their {@code spark-defaults.conf}.)
 * </ul>
 *
 * <p>Immutable. {@link #NONE} (both amounts 0) asks for nothing and maps to no entry.
 */
public final class GpuResources {

  /** No GPU scheduling. */
  public static final GpuResources NONE = new GpuResources(0, 0, "");

  private final int perExecutor;
  private final int perTask;
  private final String discoveryScript;
  /** {@code train.device = gpu}: every task must be given a GPU. */
  private final boolean required;

  /**
   * GPU scheduling of {@code perExecutor} GPUs per executor and {@code perTask} per task.
   *
   * @param discoveryScript the script's path on the nodes, or empty for none
   * @throws IllegalArgumentException naming the job key when an amount is negative, a task would
   *     get more GPUs than its executor, or executors would get GPUs that no task is given
   */
  public GpuResources(int perExecutor, int perTask, String discoveryScript) {
    this(perExecutor, perTask, discoveryScript, false);
  }

  /**
   * As {@link #GpuResources(int, int, String)}; {@code required} when every task must train on a GPU
   * ({@code train.device = gpu}), which {@link #sparkConf} refuses on a master that assigns none.
   */
  public GpuResources(int perExecutor, int perTask, String discoveryScript, boolean required) {
    checkCounts(perExecutor, perTask);
    this.perExecutor = perExecutor;
    this.perTask = perTask;
    this.discoveryScript = checkNotNull(discoveryScript, "discoveryScript").trim();
    this.required = required;
  }

  /**
   * Checks {@code perExecutor} GPUs per executor against {@code perTask} per task, as the job keys
   * give them, before anything starts.
   *
   * @throws IllegalArgumentException naming the job key when an amount is negative, a task would
   *     get more GPUs than its executor, or executors would get GPUs that no task is given
   */
  public static void checkCounts(long perExecutor, long perTask) {
    checkArgument(perExecutor >= 0, "resources.gpus_per_executor = %s must be >= 0", perExecutor);
    checkArgument(perTask >= 0, "resources.gpus_per_task = %s must be >= 0", perTask);
    checkArgument(perTask <= perExecutor, "resources.gpus_per_task = %s exceeds resources.gpus_per_executor = %s; "
        + "a task's GPUs come from its executor: set resources.gpus_per_executor to %s or more", perTask, perExecutor,
        perTask);
    checkArgument(perExecutor == 0 || perTask > 0, "resources.gpus_per_executor = %s but resources.gpus_per_task = 0:"
        + " the executors' GPUs would be given to no task; set resources.gpus_per_task = 1", perExecutor);
  }

  /** GPUs per executor; 0 when not scheduled. */
  public int perExecutor() {
    return perExecutor;
  }

  /** GPUs per task; 0 when not scheduled. */
  public int perTask() {
    return perTask;
  }

  /** The discovery script's path; empty when none. */
  public String discoveryScript() {
    return discoveryScript;
  }

  /** Whether every task must train on a GPU ({@code train.device = gpu}). */
  public boolean required() {
    return required;
  }

  /** Whether GPUs are scheduled at all. */
  public boolean enabled() {
    return perTask > 0;
  }

  /**
   * The Spark conf entries for {@code master}, in a stable order; empty when not {@link #enabled()}.
   *
   * @throws IllegalArgumentException naming the key and the fix when {@code master} is {@code local[N]}
   *     (no executors to give GPUs to), or is {@code local-cluster} without an executable discovery
   *     script
   */
  public Map<String, String> sparkConf(SparkMaster master) {
    checkNotNull(master, "master");
    Map<String, String> conf = new LinkedHashMap<>();
    checkArgument(!required || master.kind() != SparkMaster.Kind.LOCAL, "train.device = gpu needs a GPU that Spark "
        + "assigns to every task, but master %s runs tasks inside the driver, where Spark assigns none; set "
        + "train.device = auto (the CPU when there is no GPU) or cpu, or use local-cluster[N,C,MB] or a cluster "
        + "master with resources.gpus_per_task (docs/GPU.md)", master.url());
    checkArgument(discoveryScript.isEmpty() || master.kind() != SparkMaster.Kind.LOCAL, "resources.gpu_discovery_script"
        + " = %s finds the GPUs of executors, but master %s runs tasks inside the driver, where Spark assigns none:"
        + " remove it, or use local-cluster[N,C,MB] or a cluster master (docs/GPU.md)", discoveryScript, master.url());
    if (!enabled()) {
      return conf;
    }
    checkArgument(master.kind() != SparkMaster.Kind.LOCAL, "resources.gpus_per_task = %s needs executors, but master "
        + "%s runs tasks inside the driver where Spark assigns no GPU; use local-cluster[N,C,MB] or a cluster "
        + "master, or set resources.gpus_per_executor and resources.gpus_per_task to 0", perTask, master.url());
    conf.put("spark.executor.resource.gpu.amount", Integer.toString(perExecutor));
    conf.put("spark.task.resource.gpu.amount", Integer.toString(perTask));
    if (!discoveryScript.isEmpty()) {
      conf.put("spark.executor.resource.gpu.discoveryScript", discoveryScript);
    }
    if (master.kind() == SparkMaster.Kind.LOCAL_CLUSTER) {
      checkArgument(!discoveryScript.isEmpty(), "resources.gpu_discovery_script is empty, but the workers of %s must "
          + "discover their GPUs; set it to an executable script printing {\"name\":\"gpu\",\"addresses\":[...]}",
          master.url());
      Path script = Paths.get(discoveryScript);
      checkArgument(Files.isRegularFile(script) && Files.isExecutable(script), "resources.gpu_discovery_script = "
          + "'%s' is not an executable file; create it and chmod +x it", discoveryScript);
      conf.put("spark.worker.resource.gpu.amount", Integer.toString(perExecutor));
      conf.put("spark.worker.resource.gpu.discoveryScript", discoveryScript);
    }
    return conf;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof GpuResources)) {
      return false;
    }
    GpuResources g = (GpuResources) o;
    return perExecutor == g.perExecutor && perTask == g.perTask && discoveryScript.equals(g.discoveryScript)
        && required == g.required;
  }

  @Override
  public int hashCode() {
    return Objects.hash(perExecutor, perTask, discoveryScript, required);
  }

  @Override
  public String toString() {
    return "GpuResources[" + perExecutor + " per executor, " + perTask + " per task"
        + (discoveryScript.isEmpty() ? "" : ", discovery " + discoveryScript) + (required ? ", required" : "") + "]";
  }
}
