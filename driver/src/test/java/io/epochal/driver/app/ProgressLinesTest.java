package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.job.JobProgress;
import io.epochal.job.LeaseRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProgressLinesTest {

  private static final Instant T0 = Instant.parse("2026-12-05T08:00:00Z");
  private static final String DRIVER = "vm:4242:0b5e7a3c-2f7e-4d54-9c3b-3f3e0f5c6a11";

  /** Round 64 of 128 of epoch 2 of 3 after 64 s of this run's rounds (1 s a round), reported at T0 + 64 s. */
  private static Optional<JobProgress> halfway() {
    return Optional.of(new JobProgress(DRIVER, 3, 2, 3, 64, 128, 1, 2000, 0.5, T0, T0.plusSeconds(64)));
  }

  private static Optional<LeaseRecord> lease(String holder, Instant expires) {
    return Optional.of(LeaseRecord.of(holder, 3, 7, T0, T0, expires));
  }

  @Test
  void aRunningDriversReportSaysWhereItIsAndAboutHowLongItsEpochAndJobStillTake() {
    Instant now = T0.plusSeconds(68);
    Optional<String> line = ProgressLines.line(halfway(), "RUNNING", lease(DRIVER, now.plusSeconds(60)), now);
    assertThat(line).contains("progress:    epoch 2/3, round 64 of 128 (50 %), 2000 samples/s, loss 0.500000, "
        + "reported 4.0 s ago; about 64 s to the end of the epoch, 3 min to the end of the job (1.0 s a round)");
    assertThat(ProgressLines.column(halfway(), "RUNNING", lease(DRIVER, now.plusSeconds(60)), now))
        .isEqualTo("64/128");
  }

  @Test
  void theReportOfADriverThatNoLongerHoldsTheLeaseIsNotShownForARunningJob() {
    Instant now = T0.plusSeconds(68);
    Optional<LeaseRecord> other = lease("vm:5151:9d1c4a8e-7e0b-4f0a-8d5c-1f2a3b4c5d6e", now.plusSeconds(60));
    assertThat(ProgressLines.line(halfway(), "RUNNING", other, now)).isEmpty();
    assertThat(ProgressLines.column(halfway(), "RUNNING", other, now)).isEqualTo("-");
    assertThat(ProgressLines.line(halfway(), "RUNNING", lease(DRIVER, now.minusSeconds(1)), now))
        .as("an expired lease: LOST, said as such by status").isEmpty();
  }

  @Test
  void aGoneDriversLastReportIsShownAsItsLastPositionAndACompletedJobsNot() {
    Instant now = T0.plusSeconds(600);
    assertThat(ProgressLines.line(halfway(), "LOST", lease(DRIVER, T0.plusSeconds(70)), now))
        .contains("last report: epoch 2/3, round 64 of 128 (50 %), 2000 samples/s, loss 0.500000, at "
            + "2026-12-05T08:01:04Z by driver vm:4242 (attempt 3), which is gone; a resume continues from the "
            + "checkpoints below");
    assertThat(ProgressLines.line(halfway(), "FAILED", lease(DRIVER, T0.plusSeconds(70)), now)).isPresent();
    assertThat(ProgressLines.line(halfway(), "COMPLETED", lease(DRIVER, T0.plusSeconds(70)), now)).isEmpty();
    assertThat(ProgressLines.line(Optional.empty(), "RUNNING", lease(DRIVER, now.plusSeconds(60)), now)).isEmpty();
  }

  @Test
  void theFirstReportOfAnEpochHasNoRateAndNoEstimateYet() {
    Optional<JobProgress> begun = Optional.of(new JobProgress(DRIVER, 1, 3, 3, 40, 128, 41, Double.NaN, Double.NaN,
        T0, T0));
    assertThat(ProgressLines.line(begun, "RUNNING", lease(DRIVER, T0.plusSeconds(60)), T0.plusMillis(300)))
        .contains("progress:    epoch 3/3, round 40 of 128 (31 %), reported 300 ms ago");
  }

  @Test
  void durationsAreSaidInTheUnitThatReadsBest() {
    assertThat(ProgressLines.human(Duration.ofMillis(42))).isEqualTo("42 ms");
    assertThat(ProgressLines.human(Duration.ofMillis(1400))).isEqualTo("1.4 s");
    assertThat(ProgressLines.human(Duration.ofSeconds(12))).isEqualTo("12 s");
    assertThat(ProgressLines.human(Duration.ofSeconds(190))).isEqualTo("3 min");
    assertThat(ProgressLines.human(Duration.ofMinutes(150))).isEqualTo("2.5 h");
  }
}
