package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChainLengthTest {

  private static final long MS = 1_000_000L;

  @Test
  void theFirstChainIsOneRoundBecauseNothingWasMeasuredYet() {
    assertThat(TrainingJob.chainLength(20, 0)).isEqualTo(1);
  }

  @Test
  void shortRoundsAreChainedToFillAboutOneSecond() {
    assertThat(TrainingJob.chainLength(100, 50 * MS)).isEqualTo(20);
  }

  @Test
  void aChainNeverPassesTheEndOfTheEpoch() {
    assertThat(TrainingJob.chainLength(3, 10 * MS)).isEqualTo(3);
  }

  @Test
  void roundsLongerThanTheTargetRunOneAtATime() {
    assertThat(TrainingJob.chainLength(10, 5_000 * MS)).isEqualTo(1);
  }
}
