package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.job.JobProgress;
import io.epochal.job.JobProgressStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports where this driver is in its job to the job directory's {@code progress.json} ({@link
 * JobProgressStore}), which {@code status} shows for a running job (and, as its last position, for
 * one whose driver is gone): when an epoch begins, after its last round, and otherwise after a round
 * at most once every {@link #EVERY}. The training thread only hands the
 * newest report over; a thread of its own writes it, so a slow or unreachable file system never holds
 * a round up, and a report that comes while one is written replaces the one waiting instead of
 * queueing behind it. A failed write is logged once per run and tried again with the next report: it
 * is a report for people, never read to resume.
 */
final class ProgressFile implements AutoCloseable {

  /** The least time between two reports inside an epoch. */
  static final Duration EVERY = Duration.ofSeconds(10);

  private static final Logger LOG = LoggerFactory.getLogger(ProgressFile.class);

  private final JobProgressStore store;
  private final String holder;
  private final int attempt;
  private final int epochs;
  private final int rounds;
  private final long everyNanos;
  private final Clock clock;
  private final ExecutorService writer;
  private final AtomicReference<JobProgress> pending = new AtomicReference<>();
  private volatile boolean failed;
  // the training thread's
  private long lastNanos;
  private int epoch;
  private int firstRound;
  private Instant epochStartedAt;

  /**
   * The progress file of driver {@code holder}'s attempt {@code attempt} of a job of {@code epochs} epochs of
   * {@code rounds} rounds, writing to {@code store} at most every {@code every} inside an epoch.
   */
  ProgressFile(JobProgressStore store, String holder, int attempt, int epochs, int rounds, Duration every,
      Clock clock) {
    this.store = checkNotNull(store, "store");
    this.holder = checkNotNull(holder, "holder");
    checkArgument(epochs >= 1 && rounds >= 1, "epochs and rounds must be >= 1, got %s and %s", epochs, rounds);
    this.attempt = attempt;
    this.epochs = epochs;
    this.rounds = rounds;
    this.everyNanos = checkNotNull(every, "every").toNanos();
    this.clock = checkNotNull(clock, "clock");
    this.writer = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "epochal-progress");
      t.setDaemon(true); // a write stuck on an unreachable file system never holds the JVM
      return t;
    });
  }

  /** Epoch {@code epoch} (1-based) begins at round {@code firstRound} (after a mid-epoch checkpoint's rounds). */
  void epochBegins(int epoch, int firstRound) {
    this.epoch = epoch;
    this.firstRound = firstRound;
    this.epochStartedAt = clock.instant();
    // status names the epoch at once, before its first round ends (and this driver, at its first)
    report(firstRound - 1, Double.NaN, Double.NaN);
  }

  /**
   * Round {@code round} of the epoch begun last ended, its rows at {@code samplesPerSecond}, the epoch's mean loss
   * so far {@code meanLoss}.
   */
  void round(int round, double samplesPerSecond, double meanLoss) {
    checkArgument(epochStartedAt != null, "round %s reported before its epoch began", round);
    if (round < rounds && System.nanoTime() - lastNanos < everyNanos) {
      return;
    }
    report(round, samplesPerSecond, meanLoss);
  }

  private void report(int round, double samplesPerSecond, double meanLoss) {
    lastNanos = System.nanoTime();
    JobProgress p = new JobProgress(holder, attempt, epoch, epochs, round, rounds, firstRound, samplesPerSecond,
        meanLoss, epochStartedAt, clock.instant());
    if (pending.getAndSet(p) == null && !writer.isShutdown()) {
      writer.execute(this::write);
    }
  }

  private void write() {
    JobProgress p = pending.getAndSet(null);
    if (p == null) {
      return;
    }
    try {
      store.write(p);
    } catch (java.io.IOException | RuntimeException e) {
      if (!failed) {
        failed = true;
        LOG.warn("Could not write the job's progress.json (status shows where the driver is from it; training goes "
            + "on, and the next report tries again): {}", FailureClassifier.withoutStackFrames(e.toString()));
      }
    }
  }

  /** Writes the report waiting, if any, giving it a few seconds; then stops the writer. */
  @Override
  public void close() {
    writer.shutdown();
    try {
      if (!writer.awaitTermination(5, TimeUnit.SECONDS)) {
        writer.shutdownNow();
      }
    } catch (InterruptedException e) {
      writer.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
