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
  void theChainWhoseTimeComesNearestToOneSecondIsChosen() {
    assertThat(TrainingJob.chainLength(10, 600 * MS)).isEqualTo(2); // 1.2 s rather than 0.6 s
    assertThat(TrainingJob.chainLength(10, 300 * MS)).isEqualTo(3); // 0.9 s rather than 1.2 s
    assertThat(TrainingJob.chainLength(10, 800 * MS)).isEqualTo(1); // 0.8 s rather than 1.6 s
  }

  @Test
  void roundsLongerThanTheTargetRunOneAtATime() {
    assertThat(TrainingJob.chainLength(10, 5_000 * MS)).isEqualTo(1);
  }
}
