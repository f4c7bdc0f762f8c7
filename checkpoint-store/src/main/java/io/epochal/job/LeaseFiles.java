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
   * The newest record for {@code token}: of its claim, its heartbeat file ({@link
   * JobPaths#leaseHeartbeat}) and {@code lease.json} when that carries the token, the one of the latest
   * heartbeat (a release, which expires at its heartbeat, wins a tie). {@code lease.json} alone would
   * not do: a superseded driver that checked its token before the takeover may write its record there
   * after it, and the new holder's renewals would look lost. A file that does not parse (each is
   * replaced whole, so only outside damage does that) counts as absent, with a warning: the fencing
   * tokens, not these records, keep an older driver from committing.
   */
  LeaseRecord effectiveRecord(long token) throws IOException {
    Path claimFile = JobPaths.leaseToken(jobDir, token);
    byte[] claimed = fs.readIfExists(claimFile).orElse(new byte[0]);
    LeaseRecord newest = claimed.length == 0 ? null : parseClaim(claimFile, claimed);
    for (Path file : java.util.List.of(JobPaths.leaseHeartbeat(jobDir, token), JobPaths.lease(jobDir))) {
      Optional<byte[]> bytes = fs.readIfExists(file);
      if (bytes.isEmpty() || bytes.get().length == 0) {
        continue;
      }
      LeaseRecord r;
      try {
        r = parse(file, bytes.get());
      } catch (JobFileFormatException e) {
        LOG.warn("{}; using the lease's other records of fencing token {} instead; the next driver to take the "
            + "job rewrites the file", e.getMessage(), token);
        continue;
      }
      if (r.getToken() == token && (newest == null || newer(r, newest))) {
        newest = r;
      }
    }
    return newest != null ? newest : unreadableClaim(claimFile, token, claimed.length > 0);
  }

  /** Whether {@code r} was written after {@code than}: a later heartbeat, or the release at the same one. */
  private static boolean newer(LeaseRecord r, LeaseRecord than) {
    int c = r.getHeartbeatAt().compareTo(than.getHeartbeatAt());
    return c > 0 || c == 0 && r.isReleased() && !than.isReleased();
  }

  /** The claim in {@code bytes}, or null with a warning when it does not parse (outside damage). */
  private static LeaseRecord parseClaim(Path claimFile, byte[] bytes) {
    try {
      return parse(claimFile, bytes);
    } catch (JobFileFormatException e) {
      LOG.warn("{}; the lease's other records of its fencing token are used, and without any it counts as a claim "
          + "by an unknown holder that expires a ttl after the file was last written", e.getMessage());
      return null;
    }
  }

  /**
   * The record of a claim of {@code token} that is empty or {@code damaged} and that no other record of
   * the token follows: a claim by an unknown holder that expired a ttl after the file was last
   * modified. An empty claim is what a driver killed between creating and writing it could leave
   * before claims were published whole ({@link JobFs#createExclusive}); neither must block the job for
   * good.
   */
  private LeaseRecord unreadableClaim(Path claimFile, long token, boolean damaged) throws IOException {
    Instant modified;
    try {
      modified = Instant.ofEpochMilli(fs.fs().getFileStatus(claimFile).getModificationTime());
    } catch (FileNotFoundException e) {
      modified = clock.instant(); // pruned by the newer claim's holder since the listing
    }
    return LeaseRecord.of("<" + (damaged ? "damaged" : "empty") + " claim of token " + token + ">", 0, token,
        modified, modified, modified.plus(ttl));
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
