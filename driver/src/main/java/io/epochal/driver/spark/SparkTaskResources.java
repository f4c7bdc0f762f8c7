package io.epochal.driver.spark;

import io.epochal.worker.device.DeviceAssignment;
import java.util.List;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;

/**
 * Reads what Spark assigned to the running task, for the worker's device policy: the executor id
 * ({@code SparkEnv.get().executorId()}) and the addresses of the task's {@value #GPU} resource
 * ({@code TaskContext.get().resourcesJMap().get("gpu")}). The worker module has no Spark
 * dependency; this is where the Spark call lives, and the result is a plain
 * {@link DeviceAssignment}.
 */
public final class SparkTaskResources {

  /** Spark's resource name for GPUs. */
  public static final String GPU = "gpu";

  private SparkTaskResources() {}

  /**
   * The assignment of the task running on this thread; outside a task (on the driver) an
   * assignment without GPUs in executor {@code driver}.
   */
  public static DeviceAssignment current() {
    SparkEnv env = SparkEnv.get();
    String executor = env != null ? env.executorId() : "driver";
    TaskContext task = TaskContext.get();
    if (task == null) {
      return DeviceAssignment.noGpu(executor);
    }
    ResourceInformation gpus = task.resourcesJMap().get(GPU);
    return new DeviceAssignment(executor, gpus == null ? List.of() : List.of(gpus.addresses()));
  }
}
