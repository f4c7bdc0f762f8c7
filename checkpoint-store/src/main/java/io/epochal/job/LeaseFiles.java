package io.epochal.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lease's files as a {@link JobLease} reads them: the claim files, one per fencing token, whose
 * highest token is the holder's, and {@code lease.json}, the holder's newest record (its
 * heartbeats and its release); each parsed into a {@link LeaseRecord}, and written from one.
 */
final class LeaseFiles {

  /** The lease's log: a damaged lease.json is said as the lease's warning. */
  private static final Logger LOG = LoggerFactory.getLogger(JobLease.class);
  private static final ObjectMapper MAPPER = JobSpecStore.MAPPER;

  private final JobFs fs;
  private final Path jobDir;
  private final Duration ttl;
  private final Clock clock;

  LeaseFiles(JobFs fs, Path jobDir, Duration ttl, Clock clock) {
    this.fs = fs;
    this.jobDir = jobDir;
    this.ttl = ttl;
    this.clock = clock;
  }

  /** The highest claimed fencing token, 0 if none. */
  long highestToken() throws IOException {
    FileStatus[] list;
    try {
      list = fs.fs().listStatus(JobPaths.leaseTokens(jobDir));
    } catch (FileNotFoundException e) {
      return 0;
    }
    long highest = 0;
    for (FileStatus s : list) {
      highest = Math.max(highest, JobPaths.parseToken(s.getPath().getName()));
    }
    return highest;
  }

  /**
   * The newest record for {@code token}: {@code lease.json} if it carries that token, else the
   * claim file. A {@code lease.json} that does not parse (it is always replaced whole, so only
   * outside damage does that) counts as absent, with a warning: the claim names the same holder
   * and token, and the fencing tokens, not {@code lease.json}, keep an older driver from committing.
   */
  LeaseRecord effectiveRecord(long token) throws IOException {
    LeaseRecord claim = readClaim(token);
    Path leaseFile = JobPaths.lease(jobDir);
    Optional<byte[]> hb = fs.readIfExists(leaseFile);
    if (hb.isPresent() && hb.get().length > 0) {
      LeaseRecord beat;
      try {
        beat = parse(leaseFile, hb.get());
      } catch (JobFileFormatException e) {
        LOG.warn("{}; using the claim of fencing token {} instead (holder {}, expiring {}); the next driver to "
            + "take the job rewrites the file", e.getMessage(), token, claim.getHolder(), claim.getExpiresAt());
        return claim;
      }
      if (beat.getToken() == token) {
        return beat;
      }
    }
    return claim;
  }

  /**
   * The claim record of {@code token}. A claim appears with its whole content ({@link
   * JobFs#createExclusive}). An empty claim file, which a driver killed between creating and
   * writing its claim could leave before claims were published that way, counts as a claim by an
   * unknown holder that expired a ttl after the file was last modified; it must not block the job
   * for good.
   */
  private LeaseRecord readClaim(long token) throws IOException {
    Path claimFile = JobPaths.leaseToken(jobDir, token);
    byte[] bytes = fs.readIfExists(claimFile).orElse(new byte[0]);
    if (bytes.length > 0) {
      return parse(claimFile, bytes);
    }
    Instant modified;
    try {
      modified = Instant.ofEpochMilli(fs.fs().getFileStatus(claimFile).getModificationTime());
    } catch (FileNotFoundException e) {
      modified = clock.instant(); // pruned by the newer claim's holder since the listing
    }
    return LeaseRecord.of("<empty claim of token " + token + ">", 0, token, modified, modified, modified.plus(ttl));
  }

  private static LeaseRecord parse(Path file, byte[] bytes) throws JobFileFormatException {
    try {
      return LeaseRecord.fromJson(MAPPER.readTree(bytes));
    } catch (IOException | IllegalArgumentException e) {
      throw new JobFileFormatException(file, "", e);
    }
  }

  /** {@code r} as its file holds it. */
  static byte[] bytes(LeaseRecord r) throws IOException {
    return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(r.toJson());
  }
}
