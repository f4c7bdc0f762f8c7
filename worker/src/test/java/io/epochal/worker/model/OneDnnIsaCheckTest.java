package io.epochal.worker.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OneDnnIsaCheckTest {

  private static final String AVX512 = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512dq sha_ni\n";
  private static final String AVX2_ONLY = "processor\t: 0\nflags\t\t: fpu sse2 avx2 fma\n";
  private static final String AVX_ONLY = "processor\t: 0\nflags\t\t: fpu sse2 avx\n";

  @Test
  void anAvx2CpuWithoutTheLimitIsWarnedAboutNamingTheVariableAndItsValue() {
    for (String cpu : new String[] {AVX512, AVX2_ONLY}) {
      assertThat(OneDnnIsaCheck.warning(cpu, null)).hasValueSatisfying(w -> assertThat(w)
          .contains("ONEDNN_MAX_CPU_ISA is not set").contains("ONEDNN_MAX_CPU_ISA=AVX ")
          .contains("spark.executorEnv.ONEDNN_MAX_CPU_ISA=AVX)"));
      assertThat(OneDnnIsaCheck.warning(cpu, " ")).isPresent();
    }
  }

  @Test
  void aLimitThatStillAllowsAvx2KernelsIsWarnedAboutNamingIt() {
    assertThat(OneDnnIsaCheck.warning(AVX512, "AVX2")).hasValueSatisfying(w ->
        assertThat(w).contains("ONEDNN_MAX_CPU_ISA is 'AVX2':"));
    assertThat(OneDnnIsaCheck.warning(AVX512, " avx ")).as("oneDNN does not trim: no limit it knows")
        .hasValueSatisfying(w -> assertThat(w).contains("ONEDNN_MAX_CPU_ISA is ' avx ':"));
    assertThat(OneDnnIsaCheck.warning(AVX512, "AVX512_CORE")).isPresent();
    assertThat(OneDnnIsaCheck.warning(AVX512, "DNNL_MAX_CPU_ISA", "AVX2")).as("the variable it was read from")
        .hasValueSatisfying(w -> assertThat(w).contains("DNNL_MAX_CPU_ISA is 'AVX2':"));
    assertThat(OneDnnIsaCheck.warning(AVX2_ONLY, "ALL")).isPresent();
  }

  @Test
  void theAvxOrSse41LimitOrACpuWithoutAvx2GivesNoWarning() {
    assertThat(OneDnnIsaCheck.warning(AVX512, "AVX")).isEmpty();
    assertThat(OneDnnIsaCheck.warning(AVX512, "avx")).isEmpty();
    assertThat(OneDnnIsaCheck.warning(AVX2_ONLY, "SSE41")).isEmpty();
    assertThat(OneDnnIsaCheck.warning(AVX_ONLY, null)).isEmpty();
    assertThat(OneDnnIsaCheck.warning("", null)).isEmpty();
  }

  @Test
  void aFlagThatOnlyStartsWithAvx2DoesNotCount() {
    assertThat(OneDnnIsaCheck.warning("flags\t\t: avx2x avx\n", null)).isEmpty();
  }
}
