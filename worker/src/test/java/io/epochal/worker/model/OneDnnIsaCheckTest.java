package io.epochal.worker.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OneDnnIsaCheckTest {

  private static final String AVX512 = "processor\t: 0\nflags\t\t: fpu sse2 avx2 avx512f avx512dq sha_ni\n";
  private static final String AVX2_ONLY = "processor\t: 0\nflags\t\t: fpu sse2 avx2 fma\n";

  @Test
  void anAvx512CpuWithoutTheLimitIsWarnedAboutNamingTheVariableAndItsValue() {
    assertThat(OneDnnIsaCheck.warning(AVX512, null)).hasValueSatisfying(w ->
        assertThat(w).contains("ONEDNN_MAX_CPU_ISA=AVX2").contains("spark.executorEnv.ONEDNN_MAX_CPU_ISA"));
    assertThat(OneDnnIsaCheck.warning(AVX512, " ")).isPresent();
  }

  @Test
  void aSetLimitOrACpuWithoutAvx512GivesNoWarning() {
    assertThat(OneDnnIsaCheck.warning(AVX512, "AVX2")).isEmpty();
    assertThat(OneDnnIsaCheck.warning(AVX2_ONLY, null)).isEmpty();
    assertThat(OneDnnIsaCheck.warning("", null)).isEmpty();
  }

  @Test
  void aFlagThatOnlyStartsWithAvx512fDoesNotCount() {
    assertThat(OneDnnIsaCheck.warning("flags\t\t: avx512fx avx2\n", null)).isEmpty();
  }
}
