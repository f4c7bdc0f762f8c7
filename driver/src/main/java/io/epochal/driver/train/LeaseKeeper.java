package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import io.epochal.checkpoint.CommitGuard;
import io.epochal.job.JobLease;
import io.epochal.job.LeaseLostException;
import io.epochal.job.LeaseRecord;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.Path;

/**
 * One driver's lease on its job: acquired once, kept renewed (by the training thread before a round
 * when the background {@link LeaseHeartbeat} fell behind, and by that heartbeat every third of the
 * ttl), checked against the newest fencing token before a commit publishes and before the driver
 * writes the job's state, and released at the end.
 *
 * <p>It locks the monitor it is given, its job directory's: a renewal, the commit guard's check and
 * a release never run inside the directory's check-then-change of the job's state (the shutdown
 * hook's, a failure's), as when they were the directory's own methods.
 */
final class LeaseKeeper {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LeaseKeeper.class);

  private final JobLease lease;
  private final Path dir;
  private final long renewalPeriodNanos;
  private final long ttlNanos;
  private final Object lock;
  private final StallWatch watch;
  private LeaseRecord record;
  private volatile long renewedAtNanos;
  private volatile LeaseHeartbeat heartbeat;

  /**
   * A keeper of {@code lease} on job directory {@code dir}, renewing every third of {@code ttl},
   * locking {@code lock}.
   */
  LeaseKeeper(JobLease lease, Path dir, Duration ttl, Object lock) {
    this(lease, dir, ttl, lock, StallWatch.SILENT);
  }

  /**
   * A keeper as above that reports through {@code watch} a renewal before a round that waits long
   * (on a file system that does not answer, or on a heartbeat's renewal stuck there).
   */
  LeaseKeeper(JobLease lease, Path dir, Duration ttl, Object lock, StallWatch watch) {
    this.watch = checkNotNull(watch, "watch");
    this.lease = checkNotNull(lease, "lease");
    this.dir = checkNotNull(dir, "dir");
    this.lock = checkNotNull(lock, "lock");
    this.renewalPeriodNanos = TimeUnit.MILLISECONDS.toNanos(Math.max(1, ttl.toMillis() / 3));
    this.ttlNanos = ttl.toNanos();
  }

  /** This driver's name as a lease holder ({@code host:pid:uuid}). */
  String holder() {
    return lease.getHolder();
  }

  /** The lease as the job directory holds it now (any holder's), if any. */
  Optional<LeaseRecord> current() throws IOException {
    return lease.current();
  }

  /**
   * The lease that keeps this driver from the job now, if any: a live one, not this driver's own claim given up
   * when its start failed (a retried start takes the job again at once).
   */
  Optional<LeaseRecord> liveHolder() throws IOException {
    return lease.current().filter(lease::keepsOut);
  }

  /**
   * Takes the lease for driver attempt {@code attempt} and starts the heartbeat.
   *
   * @return the lease taken, with this driver's fencing token
   */
  LeaseRecord acquire(int attempt) throws IOException {
    LeaseRecord taken;
    synchronized (lock) {
      checkState(record == null, "the lease on %s is already held by this driver", dir);
      long before = System.nanoTime(); // the lease runs from a clock read inside acquire: counted from before it
      taken = lease.acquire(attempt);
      record = taken;
      renewedAtNanos = before;
    }
    heartbeat = LeaseHeartbeat.start(this, Duration.ofNanos(renewalPeriodNanos));
    return taken;
  }

  /**
   * Checks the lease before round {@code round} of epoch {@code epoch}: fails with LEASE_LOST if
   * the heartbeat found it taken over; renews it here only when the heartbeat's last renewal is
   * older than its period (it fell behind, or this driver was paused), so a short round costs no
   * storage round trip. A renewal that fails with an I/O error (a NameNode failing over) fails the
   * round only when the lease could expire before the next check: a round does not touch the store,
   * and a commit's guard checks the lease itself.
   */
  void check(int epoch, int round) throws TrainingException {
    checkNotTakenOver(epoch, round);
    if (heartbeat != null && System.nanoTime() - renewedAtNanos < renewalPeriodNanos) {
      return;
    }
    try (StallWatch.Wait w = watch.begin("the lease of " + dir + " to be renewed before round " + round
        + " of epoch " + epoch + " (a file system that does not answer holds it up)")) {
      renewOrFail(epoch, round);
    } catch (TrainingException e) {
      if (e.reason() != FailureReason.STORAGE_UNAVAILABLE || heartbeat == null
          || System.nanoTime() - renewedAtNanos >= ttlNanos - renewalPeriodNanos) {
        throw e;
      }
      LOG.warn("Lease on {} not renewed before round {} of epoch {} ({}); it is live for {} ms more, so training "
          + "goes on and the heartbeat retries", dir, round, epoch, e.getMessage(),
          TimeUnit.NANOSECONDS.toMillis(ttlNanos - (System.nanoTime() - renewedAtNanos)));
    }
  }

  /**
   * Fails with LEASE_LOST if the heartbeat found the lease taken over, without a renewal of its own: between the
   * tries of a checkpoint's write that waits for space, which the new holder's job directory does not owe.
   */
  void checkNotTakenOver(int epoch, int round) throws TrainingException {
    LeaseLostException lost = heartbeat == null ? null : heartbeat.lost();
    if (lost != null) {
      throw new TrainingException(FailureReason.LEASE_LOST, epoch, round, lost.getMessage()
          + "; this driver stops, the new holder continues the job", lost);
    }
  }

  /**
   * Renews the lease now, which fails if another driver claimed a newer token meanwhile: before a
   * retry touches the job directory.
   */
  void confirm() throws TrainingException {
    renewOrFail(0, 0);
  }

  /** {@link #renew()}, its failure as the training failure it is, at {@code epoch} and {@code round}. */
  private void renewOrFail(int epoch, int round) throws TrainingException {
    try {
      renew();
    } catch (LeaseLostException e) {
      throw new TrainingException(FailureReason.LEASE_LOST, epoch, round, e.getMessage()
          + "; this driver stops, the new holder continues the job", e);
    } catch (IOException e) {
      throw new TrainingException(FailureReason.STORAGE_UNAVAILABLE, epoch, round,
          "cannot renew the lease in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Extends the lease by its ttl; called by the training thread and the heartbeat thread. */
  void renew() throws IOException {
    synchronized (lock) {
      // the renewed lease runs from a clock read inside renew, not from the end of its writes: a renewal that took
      // seconds on slow storage leaves that much less of it
      long before = System.nanoTime();
      record = lease.renew();
      renewedAtNanos = before;
    }
  }

  /**
   * The check a commit makes right before it publishes: the driver's stop does not refuse the
   * epoch ({@code stopped}: its shutdown hook gives the job up, letting only the commits in flight
   * at the stop publish), it still holds the newest token, and its lease has not expired (a driver
   * paused past its lease cannot publish).
   */
  CommitGuard commitGuard(java.util.function.LongPredicate stopped) {
    final long token;
    synchronized (lock) {
      token = record.getToken();
    }
    return epoch -> {
      synchronized (lock) {
        lease.checkStillHolder(token);
        if (stopped.test(epoch)) { // last: once it passes, the publish may happen
          throw new java.io.IOException("the driver is stopping (its JVM shuts down): the checkpoint of epoch "
              + epoch + " is not published");
        }
      }
    };
  }

  /** Whether this driver's fencing token is still the newest one claimed on the job. */
  boolean stillHolder() throws IOException {
    synchronized (lock) {
      try {
        lease.checkFencing(record.getToken());
        return true;
      } catch (LeaseLostException lost) {
        return false;
      }
    }
  }

  /** Stops the heartbeat and waits for a renewal in progress. */
  void stopHeartbeat() {
    if (heartbeat != null) {
      heartbeat.stop();
    }
  }

  /** Releases the lease if this driver took it. */
  void release() throws IOException {
    synchronized (lock) {
      if (record != null) {
        lease.release();
      }
    }
  }

  /**
   * Gives up the lease just taken, under which nothing was written ({@link JobLease#abandon}): stops
   * the heartbeat first. This driver holds the lease no more even when giving it up cannot be
   * written: the lease then remembers the claim as given up, and {@link #acquire} (a retry of the
   * start, once storage answers) claims the next token past it.
   */
  void abandon() throws IOException {
    stopHeartbeat();
    synchronized (lock) {
      if (record != null) {
        try {
          lease.abandon();
        } finally {
          record = null;
        }
      }
    }
  }

  /** The job directory, for messages. */
  Path path() {
    return dir;
  }
}
