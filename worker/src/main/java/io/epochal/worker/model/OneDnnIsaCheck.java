package io.epochal.worker.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Warns, once per process, when a worker trains on a CPU with AVX2 while {@code ONEDNN_MAX_CPU_ISA}
 * allows oneDNN more than its AVX kernels. With PyTorch 2.7.1 oneDNN's AVX2 and AVX-512
 * convolution kernels now and then give a wrong, often NaN, result for the same input and weights,
 * mostly while the CPU is busy with other work; limited to AVX kernels they do not. {@code
 * bin/epochal} sets the variable; a JVM started otherwise (spark-submit, an IDE) may not, and the
 * environment of a running process cannot be changed from Java.
 */
final class OneDnnIsaCheck {

  /** The environment variable oneDNN reads for its instruction set limit. */
  static final String VARIABLE = "ONEDNN_MAX_CPU_ISA";

  /** The older name of {@link #VARIABLE}, which oneDNN reads when the newer one is not set. */
  static final String OLD_VARIABLE = "DNNL_MAX_CPU_ISA";

  /** The values that keep oneDNN off its AVX2 and AVX-512 kernels (in any case; oneDNN trims no spaces). */
  private static final List<String> SAFE = List.of("AVX", "SSE41");

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
    // as oneDNN reads them: the newer name unless it is unset or empty, then the older one
    String isa = System.getenv(VARIABLE);
    boolean newer = isa != null && !isa.isEmpty();
    warning(flags, newer ? VARIABLE : OLD_VARIABLE, newer ? isa : System.getenv(OLD_VARIABLE)).ifPresent(LOG::warn);
  }

  /**
   * The warning for a CPU whose {@code /proc/cpuinfo} text is {@code cpuinfo} and an {@code
   * ONEDNN_MAX_CPU_ISA} (or {@code DNNL_MAX_CPU_ISA}) of {@code isa} (null when unset): present when
   * the CPU has AVX2 and the variable is unset, blank, or names another limit than {@code AVX} or
   * {@code SSE41}.
   */
  static Optional<String> warning(String cpuinfo, String isa) {
    return warning(cpuinfo, VARIABLE, isa);
  }

  /** As {@link #warning(String, String)}, for a value {@code isa} read from {@code variable}. */
  static Optional<String> warning(String cpuinfo, String variable, String isa) {
    boolean avx2 = cpuinfo.lines().filter(l -> l.startsWith("flags"))
        .anyMatch(l -> Arrays.asList(l.split("\\s+")).contains("avx2"));
    boolean unset = isa == null || isa.isBlank();
    if (!avx2 || (!unset && SAFE.contains(isa.toUpperCase(Locale.ROOT)))) {
      return Optional.empty();
    }
    return Optional.of("this CPU has AVX2 and " + (unset ? VARIABLE + " is not set" : variable + " is '" + isa + "'")
        + ": oneDNN's AVX2 and AVX-512 convolution kernels (PyTorch 2.7.1) now and then give a wrong, often NaN,"
        + " result while the CPU is busy, which fails a round or makes a rerun differ. Set " + VARIABLE
        + "=AVX in the environment of the driver and the executors (bin/epochal does; for spark-submit see"
        + " conf/spark-defaults.conf.template: spark.executorEnv." + VARIABLE + "=AVX)");
  }
}
