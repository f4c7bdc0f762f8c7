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

  @Test
  void theCrossEngineToleranceTakesTheLastBitOfALargeOutputAndRefusesAWrongSmallOne() {
    Tolerance cross = EngineCompatibility.CROSS_ENGINE_TOLERANCE;
    assertThat(cross.accepts(2048f, Math.nextUp(2048f))).as("one ulp at 2048 is 2.4e-4").isTrue();
    assertThat(Tolerance.maxAbs(1e-4).accepts(2048f, Math.nextUp(2048f))).as("an absolute 1e-4 refused it")
        .isFalse();
    assertThat(cross.accepts(2048f, 2049f)).as("a difference of 1 at 2048 is 5e-4 of it").isFalse();
    assertThat(cross.accepts(1f, 1.00015f)).isTrue();
    assertThat(cross.accepts(1f, 1.0003f)).isFalse();
    assertThat(cross.accepts(Float.NaN, Float.NaN)).as("NaN never matches within a tolerance").isFalse();
    assertThat(cross.describe()).isEqualTo("within 1.0E-4 + 1.0E-4 x |recorded|");
    assertThat(Tolerance.exact().describe()).isEqualTo("bit for bit");
  }

  @Test
  void anOutputThatOverflowedAlikeIsCloseAndNaNOrTheOtherInfinityIsNot() {
    Tolerance cross = EngineCompatibility.CROSS_ENGINE_TOLERANCE;
    assertThat(cross.accepts(Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY)).isTrue();
    assertThat(cross.accepts(Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY)).isTrue();
    assertThat(cross.accepts(Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY)).isFalse();
    assertThat(cross.accepts(Float.POSITIVE_INFINITY, Float.MAX_VALUE)).isFalse();
    assertThat(cross.accepts(Float.NaN, Float.NaN)).isFalse();
    assertThat(cross.accepts(1f, Float.NaN)).isFalse();
  }
}
