package io.epochal.worker.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RuntimeCpuTest {

  private static final String SAPPHIRE_RAPIDS = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\n"
      + "model\t\t: 143\nmodel name\t: Intel(R) Xeon(R) Platinum 8481C\nflags\t\t: fpu sse4_2 avx avx2 fma avx512f "
      + "avx512bw sha_ni avx512_bf16 avx512_fp16 amx_tile amx_bf16 rdrand\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\n";

  private static final String ICE_LAKE = SAPPHIRE_RAPIDS.replace("model\t\t: 143", "model\t\t: 106")
      .replace(" avx512_bf16 avx512_fp16 amx_tile amx_bf16", "");

  @Test
  void describesVendorFamilyModelAndTheKernelSelectingFlagsInNameOrder() {
    assertThat(RuntimeCpu.describe(SAPPHIRE_RAPIDS, "amd64", Map.of())).isEqualTo(
        "GenuineIntel 6/143 amx_bf16 amx_tile avx avx2 avx512_bf16 avx512_fp16 avx512bw avx512f fma sse4_2");
  }

  @Test
  void processorsOfAnotherModelOrInstructionSetAreDescribedApart() {
    assertThat(RuntimeCpu.describe(ICE_LAKE, "amd64", Map.of()))
        .isEqualTo("GenuineIntel 6/106 avx avx2 avx512bw avx512f fma sse4_2")
        .isNotEqualTo(RuntimeCpu.describe(SAPPHIRE_RAPIDS, "amd64", Map.of()));
  }

  @Test
  void kernelCappingEnvironmentVariablesArePartOfTheDescriptionOthersAreNot() {
    String capped = RuntimeCpu.describe(ICE_LAKE, "amd64",
        Map.of("ONEDNN_MAX_CPU_ISA", "AVX2", "MKL_CBWR", "AVX2", "HOME", "/root"));
    assertThat(capped).endsWith("; ONEDNN_MAX_CPU_ISA=AVX2 MKL_CBWR=AVX2").doesNotContain("HOME");
    assertThat(capped).isNotEqualTo(RuntimeCpu.describe(ICE_LAKE, "amd64", Map.of("ONEDNN_MAX_CPU_ISA", "AVX512_CORE")));
  }

  @Test
  void anArmProcessorIsDescribedByArchitecturePartAndFeatures() {
    String graviton = "processor\t: 0\nBogoMIPS\t: 243.75\nFeatures\t: fp asimd evtstrm sve i8mm bf16\n"
        + "CPU implementer\t: 0x41\nCPU part\t: 0xd40\n";
    assertThat(RuntimeCpu.describe(graviton, "aarch64", Map.of())).isEqualTo("aarch64 0x41/0xd40 asimd bf16 i8mm sve");
  }

  @Test
  void withoutCpuinfoTheArchitectureAloneDescribesIt() {
    assertThat(RuntimeCpu.describe("", "amd64", Map.of())).isEqualTo("amd64");
  }

  @Test
  void thisProcessorIsDescribedTheSameWayEveryTime() {
    // read anew each time: a field that changes while the process runs (a core's clock) would differ here
    String first = RuntimeCpu.read();
    for (int i = 0; i < 20; i++) {
      assertThat(RuntimeCpu.read()).isNotBlank().isEqualTo(first);
    }
    assertThat(RuntimeCpu.describe()).isEqualTo(first);
  }
}
