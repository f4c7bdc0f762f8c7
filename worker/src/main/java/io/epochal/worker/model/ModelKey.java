package io.epochal.worker.model;

import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.Device;
import io.epochal.params.HyperParameters;
import java.util.Objects;

/** What identifies a built model: name, version, resolved hyperparameters and device. Immutable. */
public final class ModelKey {

  private final String name;
  private final int version;
  private final HyperParameters resolved;
  private final String device;

  /** A key; {@code device} {@code null} means the CPU. */
  public ModelKey(String name, int version, HyperParameters resolved, Device device) {
    this.name = checkNotNull(name, "name");
    this.version = version;
    this.resolved = checkNotNull(resolved, "resolved");
    this.device = (device == null ? Device.cpu() : device).toString();
  }

  /** The model name. */
  public String name() {
    return name;
  }

  /** The model version. */
  public int version() {
    return version;
  }

  /** The resolved hyperparameters. */
  public HyperParameters resolved() {
    return resolved;
  }

  /** The device, as DJL prints it (e.g. {@code cpu()}). */
  public String device() {
    return device;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ModelKey)) {
      return false;
    }
    ModelKey k = (ModelKey) o;
    return name.equals(k.name) && version == k.version && resolved.equals(k.resolved) && device.equals(k.device);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, version, resolved, device);
  }

  @Override
  public String toString() {
    return name + " v" + version + " " + resolved.asMap() + " on " + device;
  }
}
