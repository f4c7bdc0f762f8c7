package io.epochal.driver.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The chaos summary of a finished run and of one a signal stopped. */
class ChaosReportTest {

  private static final ChaosOptions THREE = ChaosOptions.builder().optIterations(3).optExecutorKills(true).build();

  private static IterationResult matched(int i, int driverKills, int executorKills) {
    return new IterationResult(i, driverKills, executorKills, driverKills, List.of(), "/w/iteration-" + i + "/job");
  }

  private static IterationResult mismatched(int i) {
    return new IterationResult(i, 1, 0, 1, List.of("epoch 4: tensor w differs"), "/w/iteration-" + i + "/job");
  }

  @Test
  void aFinishedRunWhoseStatesAllMatchedSaysSo() {
    ChaosReport report = new ChaosReport(THREE, List.of(matched(1, 1, 0), matched(2, 0, 2), matched(3, 1, 1)));
    assertThat(report.allMatched()).isTrue();
    assertThat(report.lines()).containsSubsequence("  iterations:      3",
        "  faults injected: 5 (2 driver SIGKILL, 3 executor SIGKILL)",
        "  final states:    3 of 3 matched the reference bit for bit", "RESULT: all final states matched");
  }

  @Test
  void aFinishedRunWithAMismatchCountsIt() {
    ChaosReport report = new ChaosReport(THREE, List.of(matched(1, 1, 0), mismatched(2), matched(3, 1, 0)));
    assertThat(report.allMatched()).isFalse();
    assertThat(report.lines()).last().isEqualTo("RESULT: MISMATCH in 1 iteration(s)");
  }

  @Test
  void aFinishedRunWithAnIterationThatInjectedNoFaultIsInconclusiveNotAPass() {
    ChaosReport report = new ChaosReport(THREE, List.of(matched(1, 1, 0), matched(2, 0, 0), matched(3, 0, 1)));
    assertThat(report.allMatched()).isFalse();
    assertThat(report.faultless()).isEqualTo(1);
    assertThat(report.lines()).last().isEqualTo("RESULT: INCONCLUSIVE: 1 of 3 iteration(s) ended before any fault "
        + "was injected, so they proved no recovery; train the job longer (--epochs)");
  }

  @Test
  void aRunStoppedInItsFirstIterationCountsTheFaultsAlreadyInjectedAndClaimsNoMismatch() {
    ChaosReport report = ChaosReport.stopped(THREE, List.of(), 0, 2);
    assertThat(report.allMatched()).isFalse();
    assertThat(report.faultsInjected()).isEqualTo(2);
    assertThat(report.lines()).containsSubsequence("  iterations:      0 of 3 finished (stopped by a signal)",
        "  faults injected: 2 (0 driver SIGKILL, 2 executor SIGKILL), 2 of them in the unfinished iteration 1",
        "  final states:    0 of 0 matched the reference bit for bit",
        "RESULT: stopped after 0 of 3 iterations; no final state compared yet");
    assertThat(String.join("\n", report.lines())).doesNotContain("MISMATCH").doesNotContain("all final states matched");
  }

  @Test
  void aRunStoppedAfterMatchingIterationsSaysItStoppedRatherThanThatAllMatched() {
    ChaosReport report = ChaosReport.stopped(THREE, List.of(matched(1, 2, 0)), 1, 0);
    assertThat(report.allMatched()).isFalse();
    assertThat(report.lines()).containsSubsequence("  iterations:      1 of 3 finished (stopped by a signal)",
        "  faults injected: 3 (3 driver SIGKILL, 0 executor SIGKILL), 1 of them in the unfinished iteration 2",
        "  final states:    1 of 1 matched the reference bit for bit",
        "RESULT: stopped after 1 of 3 iterations; every finished one matched");
  }

  @Test
  void aRunStoppedAfterAMismatchKeepsReportingIt() {
    ChaosReport report = ChaosReport.stopped(THREE, List.of(matched(1, 1, 0), mismatched(2)), 0, 0);
    assertThat(report.lines()).containsSubsequence("  faults injected: 2 (2 driver SIGKILL, 0 executor SIGKILL)",
        "RESULT: stopped after 2 of 3 iterations; MISMATCH in 1 of them");
  }

  @Test
  void theRunnersProgressReportsTheIterationUnderWayWhenStopped() {
    ChaosProgress progress = new ChaosProgress(THREE);
    assertThat(progress.where()).isEqualTo("during the reference run");
    progress.referenceDone();
    progress.attemptStarted();
    progress.driverKilled();
    progress.finished(matched(1, 1, 0));
    progress.attemptStarted();
    progress.executorKilled();
    progress.driverKilled();
    assertThat(progress.where()).isEqualTo("during iteration 2 of 3");
    assertThat(progress.stoppedReport()).isEqualTo(ChaosReport.stopped(THREE, List.of(matched(1, 1, 0)), 1, 1));
    assertThat(progress.stoppedReport().faultsInjected()).isEqualTo(3);
  }
}
