package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Says what the training thread waits for when it waits long on the job's storage. A NameNode
 * that is paused or overloaded fails nothing: the client's calls just do not return, and a driver
 * that waits on a commit or on its lease would print nothing for minutes. While a {@link Wait} is
 * open, a warning names what it waits for every period (30 s unless given); once it ends after
 * such a warning, a message says how long it took.
 *
 * <p>The warnings come from one daemon timer thread that all watches share; a wait costs one
 * scheduled task, cancelled when it ends.
 */
public final class StallWatch {

  /** How long a wait goes unmentioned, and how often it is mentioned after that. */
  static final Duration PERIOD = Duration.ofSeconds(30);

  /** A watch that never says anything (tests of other behaviour). */
  static final StallWatch SILENT = new StallWatch(m -> { }, m -> { }, PERIOD);

  private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "epochal-stall-watch");
    t.setDaemon(true);
    return t;
  });

  private final Consumer<String> warning;
  private final Consumer<String> message;
  private final long periodNanos;

  /**
   * A watch that warns through {@code warning} every {@code period} of a wait and reports the end
   * of a wait it warned about through {@code message}.
   */
  StallWatch(Consumer<String> warning, Consumer<String> message, Duration period) {
    checkArgument(period != null && !period.isNegative() && !period.isZero(), "period must be positive, got %s",
        period);
    this.warning = checkNotNull(warning, "warning");
    this.message = checkNotNull(message, "message");
    this.periodNanos = period.toNanos();
  }

  /**
   * A watch that warns through {@code warning} every {@link #PERIOD} of a wait and reports the end
   * of a wait it warned about through {@code message}: for a command's own waits outside training.
   */
  public static StallWatch of(Consumer<String> warning, Consumer<String> message) {
    return new StallWatch(warning, message, PERIOD);
  }

  /** A watch that reports through {@code listener}'s warnings and messages every {@link #PERIOD}. */
  static StallWatch of(TrainingListener listener) {
    checkNotNull(listener, "listener");
    return new StallWatch(listener::warning, listener::message, PERIOD);
  }

  /**
   * Begins a wait for {@code what} (a phrase that follows "waiting for", e.g. "the checkpoint of
   * epoch 3 to be written to hdfs://nn/jobs/a"); close it when the wait ends.
   */
  public Wait begin(String what) {
    return new Wait(checkNotNull(what, "what"));
  }

  /** One wait; closing it stops its warnings. */
  public final class Wait implements AutoCloseable {

    private final String what;
    private final long start = System.nanoTime();
    private final ScheduledFuture<?> task;
    private boolean warned; // guarded by this
    private boolean closed; // guarded by this

    private Wait(String what) {
      this.what = what;
      this.task = TIMER.scheduleAtFixedRate(this::warn, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
    }

    private synchronized void warn() {
      if (closed) {
        return;
      }
      warned = true;
      warning.accept("still waiting after " + seconds() + " for " + what);
    }

    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      task.cancel(false);
      if (warned) {
        message.accept("waited " + seconds() + " for " + what + "; going on");
      }
    }

    private String seconds() {
      return Math.round((System.nanoTime() - start) / 1e9) + " s";
    }
  }
}
