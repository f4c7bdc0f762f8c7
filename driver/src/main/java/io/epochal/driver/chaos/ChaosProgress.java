package io.epochal.driver.chaos;

import static com.google.common.base.Preconditions.checkNotNull;

import java.util.ArrayList;
import java.util.List;

/**
 * What a chaos run has done so far: the finished iterations and the faults injected into the one
 * under way. Shared between the thread running the iterations and the shutdown hook that reports a
 * run a signal stopped, so every method is synchronized.
 */
final class ChaosProgress {

  private final ChaosOptions options;
  private final List<IterationResult> finished = new ArrayList<>();
  private boolean referenceDone;
  private int driverKills;
  private int executorKills;

  ChaosProgress(ChaosOptions options) {
    this.options = checkNotNull(options, "options");
  }

  /** The reference run has finished; iterations follow. */
  synchronized void referenceDone() {
    referenceDone = true;
  }

  /** An attempt at the next iteration starts: the faults of an earlier faultless attempt are none. */
  synchronized void attemptStarted() {
    driverKills = 0;
    executorKills = 0;
  }

  /** A driver of the iteration under way was killed. */
  synchronized void driverKilled() {
    driverKills++;
  }

  /** An executor of the iteration under way was killed. */
  synchronized void executorKilled() {
    executorKills++;
  }

  /** The iteration under way finished with {@code result}. */
  synchronized void finished(IterationResult result) {
    finished.add(checkNotNull(result, "result"));
    driverKills = 0;
    executorKills = 0;
  }

  /** The report of a run that finished every iteration. */
  synchronized ChaosReport report() {
    return new ChaosReport(options, finished);
  }

  /** The report of a run a signal stopped now: the finished iterations and the faults of the one under way. */
  synchronized ChaosReport stoppedReport() {
    return ChaosReport.stopped(options, finished, driverKills, executorKills);
  }

  /** Where the run is, for the line saying that a signal stopped it: "during iteration 2 of 3", say. */
  synchronized String where() {
    if (!referenceDone) {
      return "during the reference run";
    }
    return finished.size() >= options.iterations() ? "after its last iteration"
        : "during iteration " + (finished.size() + 1) + " of " + options.iterations();
  }
}
