package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChainLengthTest {

  private static final long MS = 1_000_000L;

  @Test
  void theFirstChainIsOneRoundBecauseNothingWasMeasuredYet() {
    assertThat(EpochLoop.chainLength(20, 0)).isEqualTo(1);
  }

  @Test
  void shortRoundsAreChainedToFillAboutTwoSeconds() {
    assertThat(EpochLoop.chainLength(100, 50 * MS)).isEqualTo(40);
  }

  @Test
  void aChainNeverPassesTheEndOfTheEpoch() {
    assertThat(EpochLoop.chainLength(3, 10 * MS)).isEqualTo(3);
  }

  @Test
  void theChainWhoseTimeComesNearestToTwoSecondsIsChosen() {
    assertThat(EpochLoop.chainLength(10, 1200 * MS)).isEqualTo(2); // 2.4 s rather than 1.2 s
    assertThat(EpochLoop.chainLength(10, 700 * MS)).isEqualTo(3); // 2.1 s rather than 2.8 s
    assertThat(EpochLoop.chainLength(10, 1700 * MS)).isEqualTo(1); // 1.7 s rather than 3.4 s
  }

  @Test
  void roundsLongerThanTheTargetRunOneAtATime() {
    assertThat(EpochLoop.chainLength(10, 5_000 * MS)).isEqualTo(1);
  }

  @Test
  void aRoundWhoseClippedGradientNormOverflowedEndsTheChainThoughItsLossAndStateAreFinite() {
    io.epochal.tensor.StateDict state = io.epochal.tensor.StateDict.builder()
        .put("w", io.epochal.tensor.Tensor.ofFloats(new long[] {2}, 1f, 2f)).build();
    io.epochal.worker.round.RoundResult finite = new io.epochal.worker.round.RoundResult(0, 8, 1, 0.5, 6,
        new io.epochal.worker.round.GradNorms(1, 3.0, 3.0, 1), state);
    io.epochal.worker.round.RoundResult overflowed = new io.epochal.worker.round.RoundResult(0, 8, 1, 0.5, 6,
        new io.epochal.worker.round.GradNorms(1, Double.POSITIVE_INFINITY, Double.POSITIVE_INFINITY, 1), state);
    assertThat(RoundChain.diverged(finite, 0)).isFalse();
    assertThat(RoundChain.diverged(overflowed, 0)).isTrue();
  }
}
