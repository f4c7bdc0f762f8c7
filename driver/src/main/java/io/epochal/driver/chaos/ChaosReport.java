package io.epochal.driver.chaos;

import java.io.PrintStream;
import java.util.List;
import java.util.Objects;

/** The outcome of a chaos run: one {@link IterationResult} per iteration. */
public final class ChaosReport {

  private final ChaosOptions options;
  private final List<IterationResult> iterations;

  /** A report of {@code iterations} run with {@code options}. */
  public ChaosReport(ChaosOptions options, List<IterationResult> iterations) {
    this.options = Objects.requireNonNull(options, "options");
    this.iterations = List.copyOf(iterations);
  }

  /** The iterations, in order. */
  public List<IterationResult> iterations() {
    return iterations;
  }

  /** Faults injected over all iterations. */
  public int faultsInjected() {
    return iterations.stream().mapToInt(IterationResult::faults).sum();
  }

  /** Whether every final state matched (and there was at least one iteration). */
  public boolean allMatched() {
    return !iterations.isEmpty() && iterations.stream().allMatch(IterationResult::matched);
  }

  /** Prints the summary: iterations, faults injected, and whether every final state matched. */
  public void print(PrintStream out) {
    int drivers = iterations.stream().mapToInt(IterationResult::driverKills).sum();
    int executors = iterations.stream().mapToInt(IterationResult::executorKills).sum();
    long matched = iterations.stream().filter(IterationResult::matched).count();
    out.println("chaos summary (" + options + ")");
    out.println("  iterations:      " + iterations.size());
    out.println("  faults injected: " + faultsInjected() + " (" + drivers + " driver SIGKILL, " + executors
        + " executor SIGKILL)");
    out.println("  final states:    " + matched + " of " + iterations.size() + " matched the reference bit for bit");
    out.println(allMatched() ? "RESULT: all final states matched" : "RESULT: MISMATCH in "
        + (iterations.size() - matched) + " iteration(s)");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChaosReport && options.equals(((ChaosReport) o).options)
        && iterations.equals(((ChaosReport) o).iterations);
  }

  @Override
  public int hashCode() {
    return Objects.hash(options, iterations);
  }

  @Override
  public String toString() {
    return "ChaosReport{" + options + ", " + iterations + "}";
  }
}
