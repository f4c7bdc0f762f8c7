package io.epochal.worker.device;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.Serializable;
import java.util.List;

/**
 * What the cluster manager gave one task: the executor it runs in and the GPU addresses Spark
 * assigned to it (Spark's {@code gpu} resource; empty when no GPU was scheduled). A plain value so
 * that the worker needs no Spark classes: the driver's Spark adapter reads the task's resources and
 * builds it. Immutable.
 */
public final class DeviceAssignment implements Serializable {

  private static final long serialVersionUID = 1L;

  private final String executorId;
  private final List<String> gpuAddresses;

  /**
   * An assignment of {@code gpuAddresses} (in Spark's order) to a task in executor {@code executorId}.
   *
   * @throws IllegalArgumentException if the executor id is blank or an address is blank
   */
  public DeviceAssignment(String executorId, List<String> gpuAddresses) {
    checkArgument(executorId != null && !executorId.isBlank(), "executor id must not be blank, got '%s'",
        executorId);
    checkNotNull(gpuAddresses, "gpuAddresses");
    for (String a : gpuAddresses) {
      checkArgument(a != null && !a.isBlank(), "GPU address must not be blank in %s (executor %s)", gpuAddresses,
          executorId);
    }
    this.executorId = executorId;
    this.gpuAddresses = List.copyOf(gpuAddresses);
  }

  /** An assignment without GPUs in {@code executorId}. */
  public static DeviceAssignment noGpu(String executorId) {
    return new DeviceAssignment(executorId, List.of());
  }

  /** The Spark executor id ({@code driver} when running in the driver). */
  public String executorId() {
    return executorId;
  }

  /** The assigned GPU addresses, in Spark's order; empty when none. */
  public List<String> gpuAddresses() {
    return gpuAddresses;
  }

  /** Whether Spark assigned at least one GPU. */
  public boolean hasGpu() {
    return !gpuAddresses.isEmpty();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeviceAssignment && executorId.equals(((DeviceAssignment) o).executorId)
        && gpuAddresses.equals(((DeviceAssignment) o).gpuAddresses);
  }

  @Override
  public int hashCode() {
    return 31 * executorId.hashCode() + gpuAddresses.hashCode();
  }

  @Override
  public String toString() {
    return "executor " + executorId + (gpuAddresses.isEmpty() ? " (no GPU assigned)" : " (GPU " + gpuAddresses + ")");
  }
}
