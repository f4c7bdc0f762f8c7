package io.epochal.driver.bench;

import io.epochal.driver.train.TrainingListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Records when each epoch finished training and when its checkpoint was committed, to tell the
 * checkpoint write of the last epoch (which nothing can overlap) from the stall during training.
 * Warnings are collected so that a benchmark can refuse to report a run that retried.
 */
final class TimingListener implements TrainingListener {

  private final Map<Integer, Long> epochEnd = new ConcurrentHashMap<>();
  private final Map<Integer, Long> committed = new ConcurrentHashMap<>();
  private final List<String> warnings = new ArrayList<>();
  private volatile int rounds;
  private volatile long startedCpu = -1;
  private volatile ThreadCpu startedThreads;
  private volatile long startedMillis = Long.MAX_VALUE;

  @Override
  public void started(int firstEpoch, int epochs, int rounds, String checkpoint) {
    this.rounds = rounds;
    this.startedCpu = Fmt.processCpuNanos();
    this.startedThreads = ThreadCpu.snapshot();
    this.startedMillis = System.currentTimeMillis();
  }

  @Override
  public void epoch(int epoch, int epochs, double meanLoss, double samplesPerSecond) {
    epochEnd.put(epoch, System.nanoTime());
  }

  @Override
  public void committed(int epoch, String path, long bytes, long millis) {
    committed.put(epoch, System.nanoTime());
  }

  @Override
  public synchronized void warning(String message) {
    warnings.add(message);
  }

  /** Rounds per epoch of the run. */
  int rounds() {
    return rounds;
  }

  /** Process CPU time (all threads) when the job started its epochs, or -1 if it did not. */
  long startedCpuNanos() {
    return startedCpu;
  }

  /** Per-thread CPU when the job started its epochs, or null if it did not. */
  ThreadCpu startedThreads() {
    return startedThreads;
  }

  /** Wall-clock time (ms since the epoch) when the job started its epochs. */
  long startedMillis() {
    return startedMillis;
  }

  /** Warnings the job reported. */
  synchronized List<String> warnings() {
    return List.copyOf(warnings);
  }

  /**
   * Time from the end of epoch {@code epoch}'s training to its commit (an upper bound of the write,
   * which may also have waited for the previous one).
   */
  long commitLagNanos(int epoch) {
    Long end = epochEnd.get(epoch);
    Long done = committed.get(epoch);
    return end == null || done == null ? -1 : Math.max(0, done - end);
  }

  /** The mean of {@link #commitLagNanos} over epochs {@code 1..epochs}. */
  double meanCommitLagNanos(int epochs) {
    long sum = 0;
    int n = 0;
    for (int e = 1; e <= epochs; e++) {
      long lag = commitLagNanos(e);
      if (lag >= 0) {
        sum += lag;
        n++;
      }
    }
    return n == 0 ? Double.NaN : (double) sum / n;
  }
}
