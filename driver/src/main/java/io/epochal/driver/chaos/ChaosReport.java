package io.epochal.driver.chaos;

import static com.google.common.base.Preconditions.checkArgument;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of a chaos run: one {@link IterationResult} per finished iteration, and for a run a
 * signal stopped, the faults already injected into the iteration it stopped.
 */
public final class ChaosReport {

  private final ChaosOptions options;
  private final List<IterationResult> iterations;
  private final boolean stopped;
  private final int unfinishedDriverKills;
  private final int unfinishedExecutorKills;

  private ChaosReport(ChaosOptions options, List<IterationResult> iterations, boolean stopped,
      int unfinishedDriverKills, int unfinishedExecutorKills) {
    this.options = Objects.requireNonNull(options, "options");
    this.iterations = List.copyOf(iterations);
    checkArgument(unfinishedDriverKills >= 0 && unfinishedExecutorKills >= 0,
        "kills must be >= 0, got driverKills=%s executorKills=%s", unfinishedDriverKills, unfinishedExecutorKills);
    checkArgument(stopped || unfinishedDriverKills + unfinishedExecutorKills == 0,
        "only a stopped run has an unfinished iteration, got %s driver and %s executor kills in one",
        unfinishedDriverKills, unfinishedExecutorKills);
    this.stopped = stopped;
    this.unfinishedDriverKills = unfinishedDriverKills;
    this.unfinishedExecutorKills = unfinishedExecutorKills;
  }

  /** A report of a run that finished all of {@code iterations} run with {@code options}. */
  public ChaosReport(ChaosOptions options, List<IterationResult> iterations) {
    this(options, iterations, false, 0, 0);
  }

  /**
   * A report of a run a signal stopped after {@code finished} iterations, while the next one (if
   * any) had had {@code driverKills} and {@code executorKills} injected.
   */
  public static ChaosReport stopped(ChaosOptions options, List<IterationResult> finished, int driverKills,
      int executorKills) {
    return new ChaosReport(options, finished, true, driverKills, executorKills);
  }

  /** The finished iterations, in order. */
  public List<IterationResult> iterations() {
    return iterations;
  }

  /** Whether a signal stopped the run before its last iteration finished. */
  public boolean stopped() {
    return stopped;
  }

  /** Faults injected over all iterations, the unfinished one of a stopped run included. */
  public int faultsInjected() {
    return driverKills() + executorKills();
  }

  private int driverKills() {
    return iterations.stream().mapToInt(IterationResult::driverKills).sum() + unfinishedDriverKills;
  }

  private int executorKills() {
    return iterations.stream().mapToInt(IterationResult::executorKills).sum() + unfinishedExecutorKills;
  }

  /** Whether the run finished and every final state matched (and there was at least one iteration). */
  public boolean allMatched() {
    return !stopped && !iterations.isEmpty() && iterations.stream().allMatch(IterationResult::matched)
        && faultless() == 0;
  }

  /**
   * The iterations in which no fault was injected (the job ended before every kill moment, in each
   * of its attempts): their final state matching proves nothing, and a run with any is no pass.
   */
  public long faultless() {
    return iterations.stream().filter(r -> r.faults() == 0).count();
  }

  /** The summary lines: iterations, faults injected, and whether every final state matched. */
  public List<String> lines() {
    long matched = iterations.stream().filter(IterationResult::matched).count();
    long mismatched = iterations.size() - matched;
    int unfinished = unfinishedDriverKills + unfinishedExecutorKills;
    List<String> lines = new ArrayList<>();
    lines.add("chaos summary (" + options + ")");
    lines.add("  iterations:      " + (stopped ? iterations.size() + " of " + options.iterations()
        + " finished (stopped by a signal)" : iterations.size()));
    lines.add("  faults injected: " + faultsInjected() + " (" + driverKills() + " driver SIGKILL, " + executorKills()
        + " executor SIGKILL)" + (unfinished == 0 ? "" : ", " + unfinished + " of them in the unfinished iteration "
        + (iterations.size() + 1)));
    lines.add("  final states:    " + matched + " of " + iterations.size() + " matched the reference bit for bit");
    if (stopped) {
      lines.add("RESULT: stopped after " + iterations.size() + " of " + options.iterations() + " iterations; "
          + (iterations.isEmpty() ? "no final state compared yet"
              : mismatched == 0 ? "every finished one matched" : "MISMATCH in " + mismatched + " of them"));
    } else {
      long faultless = faultless();
      lines.add(mismatched > 0 ? "RESULT: MISMATCH in " + mismatched + " iteration(s)"
          : faultless > 0 ? "RESULT: INCONCLUSIVE: " + faultless + " of " + iterations.size() + " iteration(s) "
              + "ended before any fault was injected, so they proved no recovery; train the job longer (--epochs)"
          : "RESULT: all final states matched");
    }
    return lines;
  }

  /** Prints {@link #lines()}. */
  public void print(PrintStream out) {
    lines().forEach(out::println);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ChaosReport)) {
      return false;
    }
    ChaosReport r = (ChaosReport) o;
    return options.equals(r.options) && iterations.equals(r.iterations) && stopped == r.stopped
        && unfinishedDriverKills == r.unfinishedDriverKills && unfinishedExecutorKills == r.unfinishedExecutorKills;
  }

  @Override
  public int hashCode() {
    return Objects.hash(options, iterations, stopped, unfinishedDriverKills, unfinishedExecutorKills);
  }

  @Override
  public String toString() {
    return "ChaosReport{" + options + ", " + iterations + (stopped ? ", stopped" : "") + "}";
  }
}
