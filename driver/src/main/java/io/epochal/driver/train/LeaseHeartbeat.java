package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.job.LeaseLostException;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews a driver's lease in the background every {@code ttl / 3}, so that a round, a checkpoint
 * write or a retry backoff longer than the lease's ttl does not let the lease expire while the
 * driver is alive. The training thread still renews before every round; this thread only covers
 * the gaps.
 *
 * <p>When a renewal finds the lease taken over, the heartbeat stops and remembers the
 * {@link LeaseLostException}: the training thread fails with LEASE_LOST before its next round,
 * and the commit guard refuses to publish. A renewal that fails otherwise (the store briefly
 * unreachable, an {@link OutOfMemoryError} on a full heap) is logged and retried at the next beat;
 * the lease's ttl is the budget.
 */
final class LeaseHeartbeat {

  private static final Logger LOG = LoggerFactory.getLogger(LeaseHeartbeat.class);

  private final LeaseKeeper dir;
  private final ScheduledExecutorService timer;
  private volatile LeaseLostException lost;

  private LeaseHeartbeat(LeaseKeeper dir) {
    this.dir = checkNotNull(dir, "dir");
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "epochal-lease-heartbeat");
      t.setDaemon(true);
      return t;
    });
  }

  /** Starts renewing the lease {@code dir} keeps every {@code period}. */
  static LeaseHeartbeat start(LeaseKeeper dir, Duration period) {
    checkArgument(!period.isNegative() && !period.isZero(), "heartbeat period must be positive, got %s", period);
    LeaseHeartbeat h = new LeaseHeartbeat(dir);
    long ms = period.toMillis();
    // at a fixed rate: a renewal that took long on slow storage delays the next by no more than itself
    h.timer.scheduleAtFixedRate(h::beat, ms, ms, TimeUnit.MILLISECONDS);
    return h;
  }

  /** The lease loss a renewal found, or null while the lease is held. */
  LeaseLostException lost() {
    return lost;
  }

  private void beat() {
    if (lost != null) {
      return;
    }
    try {
      dir.renew();
    } catch (LeaseLostException e) {
      lost = e;
      LOG.error("Lease heartbeat on {}: {}", dir.path(), e.getMessage());
      timer.shutdown();
    } catch (IOException | RuntimeException e) {
      LOG.warn("Lease heartbeat on {} failed, retrying at the next beat: {}", dir.path(),
          FailureClassifier.withoutStackFrames(e.toString()));
    } catch (Error e) {
      // an OutOfMemoryError on a heap near its limit: thrown out of this task, it would end every later beat
      // without a word, and a commit longer than the lease's ttl would find it expired
      LOG.warn("Lease heartbeat on {} failed, retrying at the next beat: {}", dir.path(), e.toString());
    }
  }

  /** Stops the heartbeat and waits for a renewal in progress. */
  void stop() {
    timer.shutdown();
    try {
      timer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
