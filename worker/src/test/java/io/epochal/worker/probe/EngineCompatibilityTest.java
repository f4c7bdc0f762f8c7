package io.epochal.worker.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EngineCompatibilityTest {

  private static Map<String, String> runtime(String cpu) {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("djl", "0.36.0");
    v.put("engine", "PyTorch");
    v.put("engine_native", "2.7.1");
    v.put("os_arch", "Linux/amd64");
    if (cpu != null) {
      v.put("cpu", cpu);
    }
    return v;
  }

  @Test
  void theSameEngineOnTheSameProcessorChecksTheProbeBitForBitWithoutAWarning() {
    EngineCompatibility c = EngineCompatibility.compare(runtime("GenuineIntel 6/143 avx2"),
        runtime("GenuineIntel 6/143 avx2"));
    assertThat(c.sameEngine()).isTrue();
    assertThat(c.probeTolerance().isExact()).isTrue();
    assertThat(c.warning("epoch-000001")).isEmpty();
  }

  @Test
  void anotherProcessorChecksTheProbeWithinTheToleranceAndNamesBothProcessors() {
    EngineCompatibility c = EngineCompatibility.compare(runtime("GenuineIntel 6/106 avx2 avx512f"),
        runtime("GenuineIntel 6/143 amx_tile avx2 avx512f"));
    assertThat(c.sameEngine()).isFalse();
    assertThat(c.probeTolerance().isExact()).isFalse();
    assertThat(c.warning("epoch-000001")).isEqualTo("checkpoint epoch-000001 was written with another runtime: "
        + "cpu 6/106 (checkpoint) vs 6/143 amx_tile (this run); alike: GenuineIntel avx2 and 1 more; "
        + "checking its probe within 1.0E-4 + 1.0E-4 x |recorded| instead of bit for bit");
  }

  @Test
  void aProcessorDifferenceNamesOnlyTheWordsThatDifferNotEveryFlagTwice() {
    String flags = "GenuineIntel 6/143 avx avx2 avx512f avx512_bf16 amx_tile fma";
    assertThat(EngineCompatibility.cpuDifference(flags + "; ONEDNN_MAX_CPU_ISA=AVX2", flags))
        .isEqualTo("ONEDNN_MAX_CPU_ISA=AVX2 (checkpoint) vs - (this run); alike: GenuineIntel 6/143 and 6 more");
  }

  @Test
  void aCheckpointThatDoesNotRecordItsProcessorIsCheckedWithinTheTolerance() {
    EngineCompatibility c = EngineCompatibility.compare(runtime(null), runtime("GenuineIntel 6/143 avx2"));
    assertThat(c.sameEngine()).isFalse();
    assertThat(c.differences()).containsExactly("cpu (not recorded) (checkpoint) vs GenuineIntel 6/143 avx2 (this run)");
  }

  @Test
  void anotherDjlOnTheSameNativeLibraryAndProcessorStillChecksBitForBit() {
    Map<String, String> older = runtime("GenuineIntel 6/143 avx2");
    older.put("djl", "0.35.0");
    EngineCompatibility c = EngineCompatibility.compare(older, runtime("GenuineIntel 6/143 avx2"));
    assertThat(c.sameEngine()).isTrue();
    assertThat(c.warning("epoch-000002")).contains("djl 0.35.0 (checkpoint) vs 0.36.0 (this run)")
        .endsWith("checking its probe bit for bit");
  }

  @Test
  void thisProcessRecordsItsProcessor() {
    assertThat(EngineCompatibility.currentVersions()).containsKeys(EngineCompatibility.KEYS.toArray(String[]::new))
        .containsEntry("cpu", RuntimeCpu.describe());
  }
}
