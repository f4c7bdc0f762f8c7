package io.epochal.job;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One driver's handle on the lease of a job directory, with fencing tokens. See the package
 * documentation for the protocol and its remaining window.
 *
 * <p>Not thread-safe: one instance per driver; a heartbeat thread must synchronize with the
 * thread that commits.
 */
public final class JobLease {

  private static final Logger LOG = LoggerFactory.getLogger(JobLease.class);

  private final JobFs fs;
  private final Path jobDir;
  private final String holder;
  /** The token of a claim this instance gave up without a written release or withdrawal; 0 for none. */
  private volatile long unreleased;
  private final Duration ttl;
  private final Clock clock;
  private LeaseRecord mine;
  /** The claim files and lease.json, read and written as records. */
  private final LeaseFiles files;

  private JobLease(Builder b) {
    this.fs = new JobFs(b.fs);
    this.jobDir = b.jobDir;
    this.holder = b.holder;
    this.ttl = b.ttl;
    this.clock = b.clock;
    this.files = new LeaseFiles(fs, jobDir, ttl, clock);
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The job directory. */
  public Path getJobDir() {
    return jobDir;
  }

  /** This driver's holder id. */
  public String getHolder() {
    return holder;
  }

  /** This driver's current record, if it has acquired the lease and not released it. */
  public Optional<LeaseRecord> getRecord() {
    return Optional.ofNullable(mine);
  }

  /**
   * Takes the lease for {@code attempt}: claims the next fencing token if nobody holds a live
   * lease (first start, after a release, or after the previous holder's lease expired).
   *
   * @return this driver's record, whose token is one more than the previous holder's
   * @throws LeaseHeldException naming the holder and its expiry if a live lease exists, or if
   *     another driver claimed the same token first
   */
  public LeaseRecord acquire(int attempt) throws IOException {
    checkArgument(attempt >= 0, "attempt must be >= 0, got %s", attempt);
    checkState(mine == null, "lease on %s already held by this driver with token %s; release it first",
        jobDir, mine == null ? 0 : mine.getToken());
    Instant now = clock.instant();
    long highest = highestToken();
    if (highest > 0) {
      LeaseRecord current = files.effectiveRecord(highest);
      if (current.isLiveAt(now) && !givenUp(current)) {
        throw new LeaseHeldException(jobDir, current);
      }
      LOG.info(current.isLiveAt(now) ? "Lease on {}: {} (token {}, expiring {}) is this driver's own claim, given up "
          + "without a written release when its start failed; claiming the next token"
          : "Lease on {} held by {} (token {}) expired at {}; taking over",
          jobDir, current.getHolder(), current.getToken(), current.getExpiresAt());
    }
    long token = highest + 1;
    LeaseRecord claim = LeaseRecord.of(holder, attempt, token, now, now, now.plus(ttl));
    if (!fs.createExclusive(JobPaths.leaseToken(jobDir, token), LeaseFiles.bytes(claim))) {
      throw new LeaseHeldException(jobDir, files.effectiveRecord(token));
    }
    try {
      fs.replace(JobPaths.lease(jobDir), LeaseFiles.bytes(claim));
    } catch (IOException e) {
      throw withdrawn(claim, e);
    }
    // a driver that paused between its claim and this write (longer than the ttl) may find a newer claim: that
    // driver holds the job, and readers ignore the lease.json just written, whose token is not the highest
    long after;
    try {
      after = highestToken();
    } catch (IOException e) { // every renewal and the commit guard check the token again
      LOG.warn("Lease on {}: cannot list the claims after claiming token {} ({}); the next renewal checks it",
          jobDir, token, e.toString());
      after = token;
    }
    if (after > token) { // a listing that does not show this claim yet shows no newer one either
      throw new LeaseHeldException(jobDir, files.effectiveRecord(after));
    }
    mine = claim;
    unreleased = 0;
    LeaseHousekeeping.pruneOldTokens(fs.fs(), jobDir, token);
    LeaseHousekeeping.removeStaleTemporaries(fs.fs(), jobDir, now, ttl);
    LOG.info("Acquired lease on {} as {} with fencing token {} (attempt {})", jobDir, holder, token, attempt);
    return claim;
  }

  /**
   * Heartbeat: extends this driver's lease by the ttl.
   *
   * @throws LeaseLostException if another driver has claimed a newer token
   */
  public LeaseRecord renew() throws IOException {
    checkState(mine != null, "renew() on %s before acquire(); acquire the lease first", jobDir);
    checkFencing(mine.getToken());
    LeaseRecord renewed = mine.renewedAt(clock.instant(), ttl);
    // this token's own file first: a superseded driver may still overwrite lease.json, never this one
    fs.replace(JobPaths.leaseHeartbeat(jobDir, renewed.getToken()), LeaseFiles.bytes(renewed));
    fs.replace(JobPaths.lease(jobDir), LeaseFiles.bytes(renewed));
    // A contender may have claimed between the check and the write; it then overwrote or will
    // overwrite lease.json with a newer token, and readers ignore a lease.json whose token is
    // not the highest claimed one. Re-check so the caller learns of it now.
    checkFencing(mine.getToken());
    mine = renewed;
    return renewed;
  }

  /**
   * Gives the lease up: it expires now, so the next driver can acquire it without waiting. A
   * lease already taken over is left to its new holder.
   */
  public void release() throws IOException {
    if (mine == null) {
      return;
    }
    LeaseRecord was = mine;
    mine = null;
    long highest = highestToken();
    if (highest != was.getToken()) {
      LOG.warn("Not releasing lease on {}: token {} was superseded by token {}", jobDir, was.getToken(), highest);
      return;
    }
    LeaseRecord released = was.releasedAt(clock.instant());
    fs.replace(JobPaths.leaseHeartbeat(jobDir, was.getToken()), LeaseFiles.bytes(released));
    fs.replace(JobPaths.lease(jobDir), LeaseFiles.bytes(released));
    LOG.info("Released lease on {} (token {})", jobDir, was.getToken());
  }

  /**
   * Gives up a lease this driver took a moment ago and wrote nothing under (its start failed after
   * the acquire, on a full disk, say): {@link #release()}, and when {@code lease.json} cannot be
   * written, withdraws the claim as a failed acquire does, so the next driver need not wait for the
   * ttl. Only while no thread of this driver uses the lease: its token may be claimed again.
   *
   * @throws IOException if neither the release nor the withdrawal could be written
   */
  public void abandon() throws IOException {
    LeaseRecord was = mine;
    if (was == null) {
      return;
    }
    try {
      release();
    } catch (IOException e) {
      unreleased = was.getToken(); // until withdrawn: this driver's next acquire may claim past it
      boolean withdrawn;
      try {
        withdrawn = highestToken() == was.getToken() && withdraw(was.getToken());
      } catch (IOException | RuntimeException w) {
        e.addSuppressed(w); // the release's failure is the one to report; the withdrawal's goes with it
        throw e;
      }
      if (!withdrawn) {
        throw e;
      }
      unreleased = 0;
      LOG.info("Withdrew the claim on {} (token {}): its release could not be written", jobDir, was.getToken());
    }
  }

  /**
   * Refuses a stale fencing token: passes only if {@code token} is the highest claimed token.
   *
   * @throws LeaseLostException naming the newer holder if a newer token was claimed
   */
  public void checkFencing(long token) throws IOException {
    long highest = highestToken();
    if (highest != token) {
      LeaseRecord newer = highest > token ? files.effectiveRecord(highest) : null;
      throw new LeaseLostException(jobDir, token, newer, highest > token
          ? "a newer driver took over; stop without publishing"
          : "the highest claimed token is " + highest + ", so token " + token + " was never claimed here");
    }
  }

  /**
   * The commit guard: call right before publishing a checkpoint. Passes only if {@code token} is
   * the highest claimed token and its lease has not expired by this driver's clock.
   *
   * @throws LeaseLostException naming the job, the token and the newer holder otherwise
   */
  public void checkStillHolder(long token) throws LeaseLostException {
    try {
      checkFencing(token);
      LeaseRecord current = files.effectiveRecord(token);
      Instant now = clock.instant();
      if (!current.isLiveAt(now)) {
        throw new LeaseLostException(jobDir, token, null, "our lease expired at "
            + current.getExpiresAt() + " (now " + now + ", " + Duration.between(current.getExpiresAt(), now).toSeconds()
            + " s later): it was not renewed in time, because its file system did not answer or this driver was "
            + "paused, so another driver may have taken the job; a checkpoint is published only under a live lease");
      }
    } catch (LeaseLostException e) {
      throw e;
    } catch (IOException e) {
      LeaseLostException lost = new LeaseLostException(jobDir, token, null,
          "its record could not be read: " + e.getMessage());
      lost.initCause(e);
      throw lost;
    }
  }

  /** The record of the current holder (live or not), or empty if nobody ever acquired the job. */
  public Optional<LeaseRecord> current() throws IOException {
    long highest = highestToken();
    return highest == 0 ? Optional.empty() : Optional.of(files.effectiveRecord(highest));
  }

  /** The highest claimed fencing token, 0 if none. */
  public long highestToken() throws IOException {
    return files.highestToken();
  }

  /**
   * Withdraws {@code claim}, whose token file was created but whose {@code lease.json} could not be
   * written ({@code failure}: a full disk, say): its token file is deleted, so the next driver can
   * take the job at once instead of after the ttl. Nothing was done under that token. Returns the
   * failure to throw, saying whether the claim was withdrawn.
   */
  private IOException withdrawn(LeaseRecord claim, IOException failure) {
    unreleased = claim.getToken(); // until withdrawn: this driver's next acquire may claim past it
    try {
      if (withdraw(claim.getToken())) {
        unreleased = 0;
        return new IOException(failure.getMessage() + "; the lease was not taken (its claim, fencing token "
            + claim.getToken() + ", was withdrawn), so the next driver can take the job at once", failure);
      }
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
    return new IOException(failure.getMessage() + "; the claim on the lease (" + JobPaths.leaseToken(jobDir,
        claim.getToken()) + ") could not be withdrawn, "
        + "so the job stays leased by this driver until " + claim.getExpiresAt() + " (lease.ttl_ms), when the next "
        + "driver takes it over; deleting that file, while no driver runs the job, frees it at once", failure);
  }

  /**
   * Whether {@code record} keeps this driver from the job now: it is live and not this driver's own
   * claim given up when its start failed (which its next {@link #acquire} claims past).
   */
  public boolean keepsOut(LeaseRecord record) {
    checkNotNull(record, "record");
    return record.isLiveAt(clock.instant()) && !givenUp(record);
  }

  /**
   * Whether {@code current}, a live lease, is this instance's own claim that it gave up without a
   * written release or withdrawal (its start failed on storage that refused both): nothing runs
   * under it, so this driver's next acquire may claim the next token rather than wait for the ttl.
   * Another driver, whatever its holder id, still waits.
   */
  private boolean givenUp(LeaseRecord current) {
    return unreleased != 0 && current.getToken() == unreleased && current.getHolder().equals(holder);
  }

  /** Deletes the token file of {@code token}, a claim nothing was done under; whether it is gone. */
  private boolean withdraw(long token) throws IOException {
    // its heartbeat (a release that reached it alone) first: the token may be claimed again, by another holder
    fs.fs().delete(JobPaths.leaseHeartbeat(jobDir, token), false);
    return fs.fs().delete(JobPaths.leaseToken(jobDir, token), false);
  }

  /** Builds a {@link JobLease}: {@code setFileSystem} and {@code setJobDir} are required. */
  public static final class Builder {
    private FileSystem fs;
    private Path jobDir;
    private String holder;
    private Duration ttl = Duration.ofMinutes(2);
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** The file system holding the job directory. */
    public Builder setFileSystem(FileSystem fs) {
      this.fs = fs;
      return this;
    }

    /** The job directory. */
    public Builder setJobDir(Path jobDir) {
      this.jobDir = jobDir;
      return this;
    }

    /** The holder id; default {@link LeaseRecord#defaultHolderId()}. */
    public Builder optHolder(String holder) {
      this.holder = holder;
      return this;
    }

    /** How long a lease lives without a heartbeat; default two minutes. */
    public Builder optTtl(Duration ttl) {
      this.ttl = ttl;
      return this;
    }

    /** The clock for heartbeats and expiry; default the system UTC clock. */
    public Builder optClock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** The lease handle (nothing is acquired yet). */
    public JobLease build() {
      checkNotNull(fs, "fileSystem is required: call setFileSystem(fs)");
      checkNotNull(jobDir, "jobDir is required: call setJobDir(path)");
      checkNotNull(ttl, "ttl");
      checkArgument(!ttl.isNegative() && !ttl.isZero(), "lease ttl must be positive, got %s", ttl);
      checkNotNull(clock, "clock");
      if (holder == null) {
        holder = LeaseRecord.defaultHolderId();
      }
      checkArgument(!holder.isBlank(), "lease holder must not be blank");
      return new JobLease(this);
    }
  }
}
