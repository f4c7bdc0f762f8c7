package io.epochal.worker.device;

import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.engine.Engine;
import io.epochal.worker.model.BaseEpochalModel;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies {@link DevicePolicy} inside a task: asks the PyTorch engine how many CUDA devices it sees
 * and logs the decision's warning (once per executor, mode and assignment, so that a job of many
 * rounds does not repeat it every round).
 */
public final class DeviceSelector {

  private static final Logger LOG = LoggerFactory.getLogger(DeviceSelector.class);
  private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();

  private DeviceSelector() {}

  /**
   * The decision for {@code mode} and {@code assignment} on this JVM's engine; its warning, if any,
   * has been logged.
   *
   * @throws DeviceUnavailableException when {@code mode} is {@link DeviceMode#GPU} and no usable GPU
   *     was assigned
   */
  public static DeviceDecision select(DeviceMode mode, DeviceAssignment assignment) {
    return select(mode, assignment, w -> { });
  }

  /**
   * As {@link #select(DeviceMode, DeviceAssignment)}; the decision's warning, logged once per JVM,
   * is given to {@code warnings} every time, to be passed on to the driver (an executor's log is
   * seldom where its user looks), which says each warning once. Every time, not only the first: a
   * task attempt that fails loses what it passed on, and its retry on the same executor passes it
   * again.
   */
  public static DeviceDecision select(DeviceMode mode, DeviceAssignment assignment, Consumer<String> warnings) {
    checkNotNull(mode, "mode");
    checkNotNull(assignment, "assignment");
    checkNotNull(warnings, "warnings");
    DeviceDecision decision = mode == DeviceMode.CPU
        ? DevicePolicy.decide(mode, assignment, 0, engineDescription())
        : DevicePolicy.decide(mode, assignment, engineGpuCount(), engineDescription());
    decision.warning().ifPresent(w -> {
      if (WARNED.add(mode + "|" + assignment + "|" + decision.device())) {
        LOG.warn(w);
      }
      warnings.accept(w);
    });
    return decision;
  }

  /** The number of CUDA devices the PyTorch engine of this JVM sees (0 with the CPU native). */
  public static int engineGpuCount() {
    return Engine.getEngine(BaseEpochalModel.ENGINE).getGpuCount();
  }

  /** The engine's name and version, e.g. {@code PyTorch 2.7.1}. */
  public static String engineDescription() {
    Engine engine = Engine.getEngine(BaseEpochalModel.ENGINE);
    return engine.getEngineName() + " " + engine.getVersion();
  }
}
