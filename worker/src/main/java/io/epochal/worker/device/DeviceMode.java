package io.epochal.worker.device;

import java.util.Locale;

/** The job's {@code train.device} setting: where a worker should train. */
public enum DeviceMode {
  /** The GPU Spark assigned to the task when the engine can see one, else the CPU (with a warning). */
  AUTO,
  /** Always the CPU, whatever Spark assigned. */
  CPU,
  /** The GPU Spark assigned to the task; the task fails when there is none or the engine has no CUDA. */
  GPU;

  /** The job key this mode is read from. */
  public static final String KEY = "train.device";

  /**
   * The mode named by {@code text} ({@code auto}, {@code cpu} or {@code gpu}, any case).
   *
   * @throws IllegalArgumentException naming the value, the key and the allowed values
   */
  public static DeviceMode parse(String text) {
    if (text != null) {
      for (DeviceMode m : values()) {
        if (m.name().equalsIgnoreCase(text.trim())) {
          return m;
        }
      }
    }
    throw new IllegalArgumentException(KEY + " = '" + text + "' is not a device mode; set it to auto, cpu or gpu");
  }

  /** The lower-case name used in job files: {@code auto}, {@code cpu} or {@code gpu}. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }
}
