package io.epochal.worker.device;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.Device;

/**
 * Decides the device of a round from the job's mode, the task's GPU assignment and the number of
 * CUDA devices the engine sees. Pure: the caller ({@link DeviceSelector}) asks the engine.
 *
 * <table>
 *   <caption>Decisions</caption>
 *   <tr><th>mode</th><th>GPU assigned, engine sees it</th><th>GPU assigned, engine cannot use it</th>
 *       <th>none assigned, engine has GPUs</th><th>none assigned, no GPU anywhere</th></tr>
 *   <tr><td>auto</td><td>that GPU</td><td>CPU + warning</td><td>CPU + warning</td><td>CPU</td></tr>
 *   <tr><td>cpu</td><td>CPU</td><td>CPU</td><td>CPU</td><td>CPU</td></tr>
 *   <tr><td>gpu</td><td>that GPU</td><td>fails</td><td>fails</td><td>fails</td></tr>
 * </table>
 *
 * <p>Spark's GPU address is taken as a CUDA device index, which is what Spark's example discovery
 * script ({@code nvidia-smi --query-gpu=index}) reports. When several GPUs are assigned to one task,
 * the round uses the first (a round is one model on one device) and warns that the rest stay idle.
 * Warnings and failures name the executor and the reason.
 */
public final class DevicePolicy {

  private DevicePolicy() {}

  /**
   * The device for a round.
   *
   * @param mode the job's {@code train.device}
   * @param assignment the executor and the GPU addresses Spark assigned to the task
   * @param engineGpus the number of CUDA devices the engine sees ({@code Engine.getGpuCount()})
   * @param engine the engine's name and version, for messages (e.g. {@code PyTorch 2.7.1})
   * @throws DeviceUnavailableException when {@code mode} is {@link DeviceMode#GPU} and no usable GPU
   *     was assigned, naming the executor and the reason
   */
  public static DeviceDecision decide(DeviceMode mode, DeviceAssignment assignment, int engineGpus, String engine) {
    checkNotNull(mode, "mode");
    checkNotNull(assignment, "assignment");
    checkArgument(engineGpus >= 0, "engine GPU count must be >= 0, got %s", engineGpus);
    if (mode == DeviceMode.CPU) {
      return DeviceDecision.of(Device.cpu());
    }
    String executor = "executor " + assignment.executorId();
    String problem = problem(assignment, engineGpus, engine);
    if (problem == null) {
      String address = assignment.gpuAddresses().get(0);
      Device gpu = Device.gpu(index(address));
      if (assignment.gpuAddresses().size() > 1) {
        return DeviceDecision.withWarning(gpu, executor + " trains on GPU " + address + " only; Spark assigned "
            + assignment.gpuAddresses() + " to the task and the others stay idle (set resources.gpus_per_task=1)");
      }
      return DeviceDecision.of(gpu);
    }
    if (mode == DeviceMode.GPU) {
      throw new DeviceUnavailableException(assignment.executorId(), DeviceMode.KEY + "=gpu but " + executor
          + " cannot train on a GPU: " + problem + "; or set " + DeviceMode.KEY + "=auto to fall back to the CPU");
    }
    if (!assignment.hasGpu() && engineGpus == 0) {
      return DeviceDecision.of(Device.cpu());
    }
    return DeviceDecision.withWarning(Device.cpu(), DeviceMode.KEY + "=auto: " + executor
        + " trains on the CPU because " + problem);
  }

  /** Why the assignment cannot be used on the engine, or null when its first address can. */
  static String problem(DeviceAssignment assignment, int engineGpus, String engine) {
    if (!assignment.hasGpu()) {
      // local[N] runs tasks in the driver, which Spark assigns no GPU and whose resources.* keys it refuses
      return "Spark assigned no GPU to the task" + (engineGpus > 0 ? " although the " + engine + " engine sees "
          + engineGpus + " CUDA device(s)" : "") + ("driver".equals(assignment.executorId())
          ? " (a local[N] master runs tasks in the driver, to which Spark assigns no GPU: train on a "
          + "local-cluster[N,C,MB] or a cluster master with resources.gpus_per_executor and resources.gpus_per_task "
          + "set to 1 or more)"
          : " (set resources.gpus_per_executor and resources.gpus_per_task to 1 or more, or "
          + "spark.executor/task.resource.gpu.amount)");
    }
    String address = assignment.gpuAddresses().get(0);
    if (engineGpus == 0) {
      return "the " + engine + " engine sees no CUDA device although Spark assigned GPU " + address
          + " (build with -Pcuda for a CUDA native; DJL counts CUDA devices through the host's CUDA runtime, "
          + "libcudart.so of the native's CUDA version or newer, so a GPU host needs it besides the NVIDIA driver: "
          + "an nvidia/cuda runtime image (ldconfig knows its libcudart.so.12), the unversioned libcudart.so in a "
          + "directory of spark.executorEnv.LD_LIBRARY_PATH, or -Djna.library.path; see docs/GPU.md)";
    }
    int index = index(address);
    if (index < 0) {
      return "the assigned GPU address '" + address + "' is not a CUDA device index (the discovery script must "
          + "report indices 0, 1, ... as nvidia-smi --query-gpu=index does)";
    }
    if (index >= engineGpus) {
      return "the assigned GPU " + address + " is not among the " + engineGpus + " CUDA device(s) the " + engine
          + " engine sees (0.." + (engineGpus - 1) + "; check CUDA_VISIBLE_DEVICES and the discovery script)";
    }
    return null;
  }

  private static int index(String address) {
    String a = address.trim();
    if (a.isEmpty() || a.length() > 6) {
      return -1;
    }
    for (int i = 0; i < a.length(); i++) {
      if (!Character.isDigit(a.charAt(i))) {
        return -1;
      }
    }
    return Integer.parseInt(a);
  }
}
