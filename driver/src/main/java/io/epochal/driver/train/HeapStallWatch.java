package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Ends a round that the heap running out has stalled. An OutOfMemoryError that ends one of Spark's
 * own threads in the driver (the one that fetches a task's result, say, on any master) can leave
 * the round's Spark job waiting for a result that never comes: the driver sits idle with the heap full and no
 * failure to report, until someone kills it. This watch looks every {@link #PERIOD}: once such a
 * thread has died ({@link HeapWatch.Mark#threadKilled}) and the training position (epoch, round)
 * has not moved for {@link #GRACE}, it cancels the running Spark jobs, once. The round then fails,
 * and the run reports {@link FailureReason#DRIVER_OUT_OF_MEMORY} as for any failure after the heap
 * ran out. A job that goes on, round after round, is left alone.
 */
final class HeapStallWatch implements AutoCloseable {

  /** How often the watch looks. */
  static final Duration PERIOD = Duration.ofSeconds(5);
  /** How long a round may stand still after a thread died of OutOfMemoryError before its jobs are cancelled. */
  static final Duration GRACE = Duration.ofSeconds(30);

  private final Supplier<Optional<String>> killed;
  private final Supplier<Object> position;
  private final Runnable cancel;
  private final Consumer<String> warn;
  private final LongSupplier clock;
  private final long graceNanos;
  private ScheduledExecutorService timer;

  private Object stalledAt;
  private long stalledSince;
  private boolean cancelled;

  /**
   * A watch over {@code killed} (the thread an OutOfMemoryError ended, if any) and {@code position}
   * (a value that changes with every round), that calls {@code cancel} and says so through {@code
   * warn}; {@code clock} gives nanoseconds.
   */
  HeapStallWatch(Supplier<Optional<String>> killed, Supplier<Object> position, Runnable cancel, Consumer<String> warn,
      LongSupplier clock, Duration grace) {
    this.killed = checkNotNull(killed, "killed");
    this.position = checkNotNull(position, "position");
    this.cancel = checkNotNull(cancel, "cancel");
    this.warn = checkNotNull(warn, "warn");
    this.clock = checkNotNull(clock, "clock");
    checkArgument(!grace.isNegative(), "grace must not be negative, got %s", grace);
    this.graceNanos = grace.toNanos();
  }

  /** Starts looking every {@link #PERIOD} on a daemon thread; {@link #close} stops it. */
  HeapStallWatch start() {
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "epochal-heap-stall-watch");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(() -> {
      try {
        check();
      } catch (RuntimeException | OutOfMemoryError e) {
        // the next look tries again
      }
    }, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** One look: cancels the running jobs when a thread died of OutOfMemoryError and the position stood still for the grace period. */
  synchronized boolean check() {
    if (cancelled) {
      return false;
    }
    Optional<String> out = killed.get();
    Object now = position.get();
    long t = clock.getAsLong();
    if (out.isEmpty() || !now.equals(stalledAt)) {
      stalledAt = out.isEmpty() ? null : now;
      stalledSince = t;
      return false;
    }
    if (t - stalledSince < graceNanos) {
      return false;
    }
    cancelled = true;
    warn.accept(out.get() + "; training has not moved for " + (t - stalledSince) / 1_000_000_000L + " s since (at "
        + now + "): cancelling its Spark jobs, which cannot end by themselves");
    cancel.run();
    return true;
  }

  @Override
  public void close() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
