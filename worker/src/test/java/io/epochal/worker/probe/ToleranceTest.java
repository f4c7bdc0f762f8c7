package io.epochal.worker.probe;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The reload check's exact tolerance compares bits, so one unit in the last place fails it; a stated one does not. */
class ToleranceTest {

  @Test
  void theExactCheckRefusesADifferenceOfOneUnitInTheLastPlaceEvenBelowAMillionth() {
    Tolerance exact = Tolerance.exact();
    float x = 0.3f;
    assertThat(exact.accepts(x, x)).isTrue();
    assertThat(exact.accepts(x, Math.nextUp(x))).as("one ulp, 3e-8 apart").isFalse();
    assertThat(exact.accepts(1e-9f, 2e-9f)).as("far below 1e-6, still another output").isFalse();
    assertThat(exact.accepts(0.0f, -0.0f)).as("equal as numbers, other bits").isFalse();
    assertThat(exact.accepts(Float.NaN, Float.NaN)).as("the same NaN bits").isTrue();
  }

  @Test
  void aStatedToleranceAcceptsDifferencesUpToItAndNoMore() {
    Tolerance close = Tolerance.maxAbs(1e-4);
    assertThat(close.isExact()).isFalse();
    assertThat(close.accepts(1f, 1.00005f)).isTrue();
    assertThat(close.accepts(1f, 1.0002f)).isFalse();
    assertThat(close.accepts(0.3f, Math.nextUp(0.3f))).isTrue();
  }
}
