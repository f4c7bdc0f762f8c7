package io.epochal.driver.app;

import io.epochal.job.JobLease;
import io.epochal.job.JobStateStore;
import io.epochal.job.JobStatus;
import io.epochal.job.LeaseRecord;
import java.io.IOException;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A job's {@code state.json} and {@code lease.json} as one snapshot, for commands that judge a job
 * by both ({@code status}, {@code resume --all}). A driver writes them in two steps: it takes the
 * lease and then marks the job RUNNING, and it marks the job COMPLETED or FAILED and then releases
 * the lease. Read one after the other, a reader between the two steps sees a RUNNING job without a
 * driver (LOST) that has just started or just finished. So the lease is read before and after the
 * state, and all three again while the two lease reads differ in holder token or release.
 *
 * @param status the job's state, if it has one
 * @param lease the lease as read after the state, if there is one
 */
record StateAndLease(Optional<JobStatus> status, Optional<LeaseRecord> lease) {

  /** Reads of all three before the snapshot is taken as it is (a driver changes both in milliseconds). */
  static final int TRIES = 5;

  /** Reads {@code dir}'s state between two reads of its lease, until they agree (at most {@link #TRIES} times). */
  static StateAndLease read(FileSystem fs, Path dir) throws IOException {
    return read(fs, dir, Optional.empty());
  }

  /**
   * {@link #read(FileSystem, Path)} of a job whose {@code job.json} is {@code spec}, if read: a claim whose record
   * is empty or damaged expires its {@code lease.ttl_ms} after it was written, as a start of the job counts it.
   */
  static StateAndLease read(FileSystem fs, Path dir, Optional<io.epochal.job.JobSpec> spec) throws IOException {
    JobLease lease = lease(fs, dir, spec);
    JobStateStore states = new JobStateStore(fs, dir);
    Optional<LeaseRecord> before = lease.current();
    for (int i = 1; ; i++) {
      Optional<JobStatus> status = states.read();
      Optional<LeaseRecord> after = lease.current();
      if (i == TRIES || sameHolding(before, after)) {
        return new StateAndLease(status, after);
      }
      before = after;
    }
  }

  /**
   * The lease of the job in {@code dir} as a start of the job reads it: with its {@code lease.ttl_ms} from {@code
   * spec} ({@code job.json}), if read, which dates a claim whose record is empty or damaged.
   */
  static JobLease lease(FileSystem fs, Path dir, Optional<io.epochal.job.JobSpec> spec) {
    JobLease.Builder builder = JobLease.builder().setFileSystem(fs).setJobDir(dir);
    spec.map(s -> s.getHyperParameters().asMap().get(io.epochal.driver.config.JobKeys.LEASE_TTL_MS))
        .filter(Number.class::isInstance).map(ttl -> java.time.Duration.ofMillis(((Number) ttl).longValue()))
        .filter(ttl -> !ttl.isNegative() && !ttl.isZero()).ifPresent(builder::optTtl);
    return builder.build();
  }

  /** Whether two reads of a lease show the same holding: the same token, released or not alike. */
  static boolean sameHolding(Optional<LeaseRecord> a, Optional<LeaseRecord> b) {
    if (a.isEmpty() || b.isEmpty()) {
      return a.isEmpty() && b.isEmpty();
    }
    return a.get().getToken() == b.get().getToken() && a.get().isReleased() == b.get().isReleased();
  }
}
