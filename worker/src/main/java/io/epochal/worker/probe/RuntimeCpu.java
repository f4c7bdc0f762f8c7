package io.epochal.worker.probe;

import static com.google.common.base.Preconditions.checkNotNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The processor a process computes on, as far as it decides which kernels the engine runs: the
 * vendor, family and model, the vector and matrix instruction sets present, and the environment
 * variables that cap the kernels oneDNN, MKL and ATen choose. Recorded in every manifest as {@code
 * versions.cpu}, e.g. {@code GenuineIntel 6/143 avx2 avx512f avx512_bf16 amx_tile fma; ONEDNN_MAX_CPU_ISA=AVX}.
 *
 * <p>Two processors of other models or instruction sets run other kernels, which may add in another
 * order: the same checkpoint then gives a probe output that differs in the last bits, with the
 * same engine and library versions. The determinism contract promises bit-identical results on the
 * same hardware and engine, so {@link EngineCompatibility} checks the probe bit for bit only where
 * this description is the same as when the checkpoint was written.
 */
public final class RuntimeCpu {

  /** The environment variables that change which kernels the native libraries pick. */
  static final List<String> KERNEL_ENV = List.of("ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA", "MKL_CBWR",
      "MKL_ENABLE_INSTRUCTIONS", "ATEN_CPU_CAPABILITY");

  /** The instruction-set flags (as Linux names them) that select kernels in oneDNN, MKL and ATen. */
  static final Set<String> KERNEL_FLAGS = Set.of("sse4_1", "sse4_2", "avx", "avx2", "fma", "f16c",
      "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni", "avx512_bf16", "avx512_fp16", "avx_vnni",
      "amx_tile", "amx_bf16", "amx_int8", "asimd", "sve", "sve2", "bf16", "i8mm");

  private static final Path CPUINFO = Path.of("/proc/cpuinfo");

  private static volatile String described; // neither the processor nor the environment changes

  private RuntimeCpu() {}

  /**
   * This process's processor: from {@code /proc/cpuinfo} on Linux, else the architecture only; with
   * the kernel-capping environment variables that are set. Read once per process.
   */
  public static String describe() {
    String d = described;
    if (d == null) {
      d = read();
      described = d;
    }
    return d;
  }

  /** This process's processor, read now (not the value {@link #describe()} keeps). */
  static String read() {
    String cpuinfo = "";
    try {
      if (Files.isReadable(CPUINFO)) {
        cpuinfo = Files.readString(CPUINFO, StandardCharsets.ISO_8859_1);
      }
    } catch (IOException e) {
      cpuinfo = ""; // described by the architecture alone
    }
    return describe(cpuinfo, System.getProperty("os.arch"), System.getenv());
  }

  /**
   * The description of the processor {@code cpuinfo} (the text of {@code /proc/cpuinfo}; empty when
   * unknown) of architecture {@code arch}, under environment {@code env}.
   */
  static String describe(String cpuinfo, String arch, Map<String, String> env) {
    checkNotNull(cpuinfo, "cpuinfo");
    checkNotNull(env, "env");
    String vendor = field(cpuinfo, "vendor_id");
    String family = field(cpuinfo, "cpu family");
    String model = field(cpuinfo, "model");
    String flags = field(cpuinfo, "flags");
    if (flags.isEmpty()) {
      flags = field(cpuinfo, "Features"); // aarch64
    }
    StringBuilder s = new StringBuilder();
    if (vendor.isEmpty() && family.isEmpty() && model.isEmpty()) {
      s.append(arch == null ? "unknown" : arch);
      String part = field(cpuinfo, "CPU part");
      if (!part.isEmpty()) {
        s.append(' ').append(field(cpuinfo, "CPU implementer")).append('/').append(part);
      }
    } else {
      s.append(vendor.isEmpty() ? "unknown" : vendor).append(' ').append(family).append('/').append(model);
    }
    TreeSet<String> present = new TreeSet<>();
    for (String f : flags.split("\\s+")) {
      if (KERNEL_FLAGS.contains(f)) {
        present.add(f);
      }
    }
    for (String f : present) {
      s.append(' ').append(f);
    }
    List<String> caps = new ArrayList<>();
    for (String k : KERNEL_ENV) {
      String v = env.get(k);
      if (v != null && !v.isBlank()) {
        caps.add(k + "=" + v.trim());
      }
    }
    if (!caps.isEmpty()) {
      s.append("; ").append(String.join(" ", caps));
    }
    return s.toString();
  }

  /** The value of the first line of {@code cpuinfo} whose key is {@code key}, or "". */
  private static String field(String cpuinfo, String key) {
    for (String line : cpuinfo.split("\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
        return line.substring(colon + 1).trim();
      }
    }
    return "";
  }
}
