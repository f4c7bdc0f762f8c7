package io.epochal.driver.app;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.job.JobLease;
import io.epochal.job.LeaseRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Waits for a lease that blocked a driver's start to expire, as a restarted driver must after the
 * one before it died ({@code spark-submit --supervise}, a YARN attempt, a Kubernetes restart, or a
 * resume typed right after a kill): nothing renews a dead driver's lease, so it runs out within
 * its {@code lease.ttl_ms}. The lease is read again every few seconds; when its holder renews it,
 * that driver is alive and the wait ends at once, unsuccessfully. A holder that is a running
 * process of this host is waited for too, as one paused (SIGSTOP, a long GC pause) renews nothing
 * and loses the job at the expiry. A lease whose expiry is further
 * away than the job's own ttl (another driver's longer lease) is not waited for.
 */
final class LeaseExpiryWait {

  /** How often the lease is read while waiting. */
  static final Duration POLL = Duration.ofSeconds(2);
  /** Past the recorded expiry, for clocks that differ a little between hosts. */
  private static final Duration MARGIN = Duration.ofSeconds(1);

  private final JobLease lease;
  private final Clock clock;
  private final PrintStream err;
  private LeaseRecord renewed;

  private final Duration ttl;

  /**
   * A wait on the lease of the job in {@code jobDir}, whose {@code lease.ttl_ms} is {@code ttl}: a lease that expires
   * later than that from now is not waited for, and a claim whose record is empty or damaged expires that long after
   * it was written, as the start that found it counts it.
   */
  LeaseExpiryWait(Path jobDir, Configuration conf, Duration ttl, Clock clock, PrintStream err) throws IOException {
    this.ttl = checkNotNull(ttl, "ttl");
    this.lease = JobLease.builder().setFileSystem(jobDir.getFileSystem(conf)).setJobDir(jobDir).optTtl(ttl).build();
    this.clock = checkNotNull(clock, "clock");
    this.err = checkNotNull(err, "err");
  }

  /**
   * Waits until {@code blocking} expires unrenewed; says what it waits for and why it stopped.
   *
   * @return true when the lease expired or was given up (a start may be tried again), false when
   *     its holder renewed it or it expires too late
   */
  boolean await(LeaseRecord blocking) throws IOException, InterruptedException {
    Instant now = clock.instant();
    Duration left = Duration.between(now, blocking.getExpiresAt());
    if (left.compareTo(ttl.plus(MARGIN)) > 0) {
      return false;
    }
    err.println("epochal: waiting up to " + Math.max(1, left.plus(MARGIN).toSeconds()) + " s for the lease of "
        + blocking.getHolder() + " to expire at " + blocking.getExpiresAt() + (blocking.holderGoneFromThisHost()
        ? " (that driver, a process of this host, no longer runs)" : blocking.holderRunsOnThisHost()
        ? " (that driver is a process of this host that runs: it renews the lease within seconds, and this stops "
        + "waiting, unless it is paused or hung)" : " (a driver that died renews it no more; one that runs does, and "
        + "this stops waiting)") + "; Ctrl-C stops waiting");
    while (true) {
      Duration remaining = Duration.between(clock.instant(), blocking.getExpiresAt().plus(MARGIN));
      // up to the expiry, then every POLL while the lease reads as live still (a clock of its storage behind)
      Thread.sleep(remaining.toMillis() > 0 ? Math.min(POLL.toMillis(), remaining.toMillis()) : POLL.toMillis());
      Optional<LeaseRecord> current = lease.current();
      if (current.isEmpty() || current.get().isReleased() || !current.get().isLiveAt(clock.instant())) {
        return true;
      }
      LeaseRecord c = current.get();
      if (c.getToken() != blocking.getToken() || c.getHeartbeatAt().isAfter(blocking.getHeartbeatAt())) {
        err.println("epochal: " + c.getHolder() + " renewed the lease at " + c.getHeartbeatAt() + " (fencing token "
            + c.getToken() + "): that driver is running the job");
        renewed = c;
        return false;
      }
    }
  }

  /** The lease as its holder renewed it during the wait, if the wait ended so. */
  Optional<LeaseRecord> renewed() {
    return Optional.ofNullable(renewed);
  }
}
