package io.epochal.worker.probe;

import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.engine.Engine;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How the runtime that wrote a checkpoint (its manifest's {@code versions}) compares with the one
 * reading it, and what that means for the probe: on the same engine native library, platform and
 * processor ({@code engine_native}, {@code os_arch} and {@code cpu} equal, {@link RuntimeCpu}) the
 * probe must reproduce bit for bit; otherwise within {@link #CROSS_ENGINE_TOLERANCE}, absolute and
 * relative. A checkpoint
 * that does not record its processor (written before it was recorded) counts as written on another
 * one. A different DJL, engine, native version or processor is reported with both values. Immutable.
 */
public final class EngineCompatibility {

  /**
   * The probe tolerance across engine versions or platforms: 1e-4 plus 1e-4 of the recorded value's
   * magnitude per element (the absolute part alone would refuse a last-bit difference of an output
   * above 1024).
   */
  public static final Tolerance CROSS_ENGINE_TOLERANCE = Tolerance.close(1e-4, 1e-4);

  /** The version keys compared, in report order. */
  public static final List<String> KEYS = List.of("djl", "engine", "engine_native", "os_arch", "cpu");

  private final Map<String, String> recorded;
  private final Map<String, String> current;

  private EngineCompatibility(Map<String, String> recorded, Map<String, String> current) {
    this.recorded = Collections.unmodifiableMap(new LinkedHashMap<>(checkNotNull(recorded, "recorded")));
    this.current = Collections.unmodifiableMap(new LinkedHashMap<>(checkNotNull(current, "current")));
  }

  /** Compares the versions a checkpoint {@code recorded} with the {@code current} runtime's. */
  public static EngineCompatibility compare(Map<String, String> recorded, Map<String, String> current) {
    return new EngineCompatibility(recorded, current);
  }

  /** Compares {@code recorded} with this process's runtime ({@link #currentVersions()}). */
  public static EngineCompatibility withCurrent(Map<String, String> recorded) {
    return compare(recorded, currentVersions());
  }

  /**
   * This process's {@code djl}, {@code engine}, {@code engine_native}, {@code os_arch} and {@code
   * cpu}, as a checkpoint manifest records them (starts the default engine).
   */
  public static Map<String, String> currentVersions() {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("djl", Engine.getDjlVersion());
    Engine engine = Engine.getInstance();
    v.put("engine", engine.getEngineName());
    v.put("engine_native", engine.getVersion());
    v.put("os_arch", System.getProperty("os.name") + "/" + System.getProperty("os.arch"));
    v.put("cpu", RuntimeCpu.describe());
    return v;
  }

  /**
   * Whether the engine native library, the platform and the processor are the same (a processor
   * not recorded is not the same): the probe must match bit for bit.
   */
  public boolean sameEngine() {
    return Objects.equals(recorded.get("engine_native"), current.get("engine_native"))
        && Objects.equals(recorded.get("os_arch"), current.get("os_arch"))
        && recorded.get("cpu") != null && Objects.equals(recorded.get("cpu"), current.get("cpu"));
  }

  /** The tolerance the probe is checked with: exact on the same engine, else {@link #CROSS_ENGINE_TOLERANCE}. */
  public Tolerance probeTolerance() {
    return sameEngine() ? Tolerance.exact() : CROSS_ENGINE_TOLERANCE;
  }

  /**
   * Each of {@link #KEYS} whose versions differ, e.g. {@code djl 0.35.0 (checkpoint) vs 0.36.0
   * (this run)}; empty when all agree. A key the checkpoint does not record counts as differing.
   */
  public List<String> differences() {
    List<String> out = new ArrayList<>();
    for (String k : KEYS) {
      String was = recorded.get(k);
      String now = current.get(k);
      if (!Objects.equals(was, now)) {
        out.add(k.equals("cpu") && was != null && now != null ? "cpu " + cpuDifference(was, now)
            : k + " " + (was == null ? "(not recorded)" : was) + " (checkpoint) vs " + now + " (this run)");
      }
    }
    return out;
  }

  /**
   * What differs between two processor descriptions ({@link RuntimeCpu#describe()}): the words only
   * one has, then the first two alike (vendor, family/model) and how many more are, e.g. {@code
   * ONEDNN_MAX_CPU_ISA=AVX2 (checkpoint) vs - (this run); alike: GenuineIntel 6/143 and 18 more}.
   */
  public static String cpuDifference(String was, String now) {
    List<String> before = List.of(was.split("[\\s;]+"));
    List<String> after = List.of(now.split("[\\s;]+"));
    List<String> onlyBefore = before.stream().filter(w -> !after.contains(w)).toList();
    List<String> onlyAfter = after.stream().filter(w -> !before.contains(w)).toList();
    List<String> alike = before.stream().filter(after::contains).toList();
    return (onlyBefore.isEmpty() ? "-" : String.join(" ", onlyBefore)) + " (checkpoint) vs "
        + (onlyAfter.isEmpty() ? "-" : String.join(" ", onlyAfter)) + " (this run)" + (alike.isEmpty() ? ""
        : "; alike: " + String.join(" ", alike.subList(0, Math.min(2, alike.size())))
        + (alike.size() > 2 ? " and " + (alike.size() - 2) + " more" : ""));
  }

  /**
   * A warning for {@code checkpoint} naming both versions of everything that differs and the
   * tolerance used, or the empty string when nothing differs.
   */
  public String warning(String checkpoint) {
    List<String> diff = differences();
    if (diff.isEmpty()) {
      return "";
    }
    return "checkpoint " + checkpoint + " was written with another runtime: " + String.join(", ", diff)
        + "; checking its probe " + (sameEngine() ? "bit for bit" : CROSS_ENGINE_TOLERANCE.describe()
        + " instead of bit for bit");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EngineCompatibility && recorded.equals(((EngineCompatibility) o).recorded)
        && current.equals(((EngineCompatibility) o).current);
  }

  @Override
  public int hashCode() {
    return Objects.hash(recorded, current);
  }

  @Override
  public String toString() {
    return "EngineCompatibility[" + (differences().isEmpty() ? "same runtime" : String.join(", ", differences())) + "]";
  }
}
