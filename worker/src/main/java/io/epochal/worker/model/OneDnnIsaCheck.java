package io.epochal.worker.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warns, once per process, when a worker trains on a CPU with AVX-512 without {@code
 * ONEDNN_MAX_CPU_ISA} set. With PyTorch 2.7.1 oneDNN's AVX-512 convolution kernels now and then
 * give a wrong, sometimes NaN, weight gradient for the same input and weights; limited to AVX2
 * kernels they do not. {@code bin/epochal} sets the variable; a JVM started otherwise (spark-submit,
 * an IDE) may not, and the environment of a running process cannot be changed from Java.
 */
final class OneDnnIsaCheck {

  /** The environment variable oneDNN reads for its instruction set limit. */
  static final String VARIABLE = "ONEDNN_MAX_CPU_ISA";

  private static final Logger LOG = LoggerFactory.getLogger(OneDnnIsaCheck.class);
  private static final Path CPUINFO = Paths.get("/proc/cpuinfo");
  private static final AtomicBoolean CHECKED = new AtomicBoolean();

  private OneDnnIsaCheck() {}

  /** Logs {@link #warning} once per process, if there is one. */
  static void warnOnce() {
    if (!CHECKED.compareAndSet(false, true)) {
      return;
    }
    String flags = "";
    try {
      if (Files.isReadable(CPUINFO)) {
        flags = Files.readString(CPUINFO);
      }
    } catch (IOException | RuntimeException e) {
      return; // nothing known about the CPU: nothing to warn about
    }
    warning(flags, System.getenv(VARIABLE)).ifPresent(LOG::warn);
  }

  /**
   * The warning for a CPU whose {@code /proc/cpuinfo} text is {@code cpuinfo} and an {@code
   * ONEDNN_MAX_CPU_ISA} of {@code isa} (null when unset): present when the CPU has AVX-512 and the
   * variable is unset or blank.
   */
  static Optional<String> warning(String cpuinfo, String isa) {
    boolean avx512 = cpuinfo.lines().filter(l -> l.startsWith("flags"))
        .anyMatch(l -> Arrays.asList(l.split("\\s+")).contains("avx512f"));
    if (!avx512 || (isa != null && !isa.isBlank())) {
      return Optional.empty();
    }
    return Optional.of("this CPU has AVX-512 and " + VARIABLE + " is not set: oneDNN's AVX-512 convolution"
        + " kernels (PyTorch 2.7.1) now and then give a wrong, sometimes NaN, weight gradient, which fails a"
        + " round or makes a rerun differ. Set " + VARIABLE + "=AVX2 in the environment of the driver and the"
        + " executors (bin/epochal does; for spark-submit see conf/spark-defaults.conf.template:"
        + " spark.executorEnv." + VARIABLE + "=AVX2)");
  }
}
