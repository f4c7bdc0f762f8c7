package io.epochal.worker.device;

import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.Device;
import java.util.Objects;
import java.util.Optional;

/**
 * The outcome of {@link DevicePolicy#decide}: the device a round trains on and, when the decision
 * fell back or left something unused, a warning that names the executor and the reason. Immutable.
 */
public final class DeviceDecision {

  private final Device device;
  private final String warning;

  private DeviceDecision(Device device, String warning) {
    this.device = checkNotNull(device, "device");
    this.warning = warning;
  }

  /** Train on {@code device} without remark. */
  public static DeviceDecision of(Device device) {
    return new DeviceDecision(device, null);
  }

  /** Train on {@code device}, reporting {@code warning}. */
  public static DeviceDecision withWarning(Device device, String warning) {
    return new DeviceDecision(device, checkNotNull(warning, "warning"));
  }

  /** The DJL device to build the model and arrays on. */
  public Device device() {
    return device;
  }

  /** Whether the round trains on a GPU. */
  public boolean isGpu() {
    return Device.Type.GPU.equals(device.getDeviceType());
  }

  /** The warning to log, if any. */
  public Optional<String> warning() {
    return Optional.ofNullable(warning);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DeviceDecision && device.equals(((DeviceDecision) o).device)
        && Objects.equals(warning, ((DeviceDecision) o).warning);
  }

  @Override
  public int hashCode() {
    return Objects.hash(device, warning);
  }

  @Override
  public String toString() {
    return "DeviceDecision[" + device + (warning == null ? "" : ", warning: " + warning) + "]";
  }
}
