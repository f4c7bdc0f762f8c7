package io.epochal.job;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clean-up a driver does in a job directory once it holds the lease: old claim files pruned,
 * temporary files of stopped writers removed.
 */
final class LeaseHousekeeping {

  private static final Logger LOG = LoggerFactory.getLogger(LeaseHousekeeping.class);
  /** Claim files older than this many tokens below the newest are pruned. */
  static final long KEEP_TOKENS = 16;

  private LeaseHousekeeping() {}

  /**
   * Deletes the claim files of tokens more than {@value #KEEP_TOKENS} below {@code newest}, and the
   * heartbeat files of every token below the one before it (their holders are superseded). The one
   * before keeps its heartbeat: when the claim of {@code newest} is withdrawn (its driver's start
   * failed and could not write its release), that token is the lease again, released if its holder
   * released it, so the next driver takes the job at once.
   * Failures are logged, never thrown: the lease is taken already, and a caller that saw its
   * acquire fail would leave the claim it holds live and unowned until it expires. The claims
   * left are pruned by the next driver that takes the lease.
   */
  static void pruneOldTokens(FileSystem fs, Path jobDir, long newest) {
    Path dir = JobPaths.leaseTokens(jobDir);
    try {
      for (FileStatus s : fs.listStatus(dir)) {
        long t = JobPaths.parseToken(s.getPath().getName());
        long beat = JobPaths.parseHeartbeatToken(s.getPath().getName());
        if (t > 0 && t < newest - KEEP_TOKENS || beat > 0 && beat < newest - 1) {
          fs.delete(s.getPath(), false);
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("Could not prune old lease claims in {} (the lease is taken; the next driver to take it prunes "
          + "them): {}", dir, e.toString());
    }
  }

  /**
   * Removes the temporary files ({@code _tmp-*}) that a driver killed while claiming a token or
   * writing {@code lease.json}, {@code state.json} or {@code job.json} left in the job directory or
   * its lease directory. Only those modified more than a ttl ago: a live writer's temporary file
   * exists for the moment it takes to write and rename it. Failures are logged, never thrown: the
   * lease is taken already.
   */
  static void removeStaleTemporaries(FileSystem fs, Path jobDir, Instant now, Duration ttl) {
    for (Path dir : List.of(jobDir, JobPaths.leaseTokens(jobDir))) {
      try {
        for (FileStatus s : fs.listStatus(dir)) {
          Instant modified = Instant.ofEpochMilli(s.getModificationTime());
          if (s.isFile() && s.getPath().getName().startsWith("_tmp-") && modified.plus(ttl).isBefore(now)
              && fs.delete(s.getPath(), false)) {
            LOG.info("Removed {}, a temporary file left on {} by a driver stopped while writing it", s.getPath(),
                modified);
          }
        }
      } catch (FileNotFoundException e) {
        // no such directory: nothing left behind
      } catch (IOException e) {
        LOG.warn("Could not remove stale temporary files from {}: {}", dir, e.toString());
      }
    }
  }
}
