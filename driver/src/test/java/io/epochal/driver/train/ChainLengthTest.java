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
  void shortRoundsAreChainedToFillAboutTwoSeconds() {
    assertThat(TrainingJob.chainLength(100, 50 * MS)).isEqualTo(40);
  }

  @Test
  void aChainNeverPassesTheEndOfTheEpoch() {
    assertThat(TrainingJob.chainLength(3, 10 * MS)).isEqualTo(3);
  }

  @Test
  void theChainWhoseTimeComesNearestToTwoSecondsIsChosen() {
    assertThat(TrainingJob.chainLength(10, 1200 * MS)).isEqualTo(2); // 2.4 s rather than 1.2 s
    assertThat(TrainingJob.chainLength(10, 700 * MS)).isEqualTo(3); // 2.1 s rather than 2.8 s
    assertThat(TrainingJob.chainLength(10, 1700 * MS)).isEqualTo(1); // 1.7 s rather than 3.4 s
  }

  @Test
  void roundsLongerThanTheTargetRunOneAtATime() {
    assertThat(TrainingJob.chainLength(10, 5_000 * MS)).isEqualTo(1);
  }
}
