package io.epochal.checkpoint;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the published checkpoints of a store while a driver may be publishing and deleting them:
 * a checkpoint listed, then deleted by the job's retention before its files were read, is gone,
 * not damaged ({@link CheckpointDeletedException}), and the search for the newest lists again.
 */
final class PublishedCheckpoints {

  private static final Logger LOG = LoggerFactory.getLogger(PublishedCheckpoints.class);
  /** How many times {@link #latest()} lists the checkpoints while listed ones are deleted under it. */
  private static final int MAX_SCANS = 5;

  private final FileSystem fs;
  private final CheckpointLayout layout;
  private final CheckpointReader reader;

  PublishedCheckpoints(FileSystem fs, CheckpointLayout layout, CheckpointReader reader) {
    this.fs = fs;
    this.layout = layout;
    this.reader = reader;
  }

  /** {@link CheckpointStore#latest()}: listed again while what it reads is deleted under it. */
  LatestCheckpoint latest() throws CheckpointException {
    for (int scan = 1; ; scan++) {
      try {
        return scanLatest();
      } catch (CheckpointDeletedException e) {
        // retention removed a listed checkpoint after a newer one was published: list again
        if (scan == MAX_SCANS) {
          throw e;
        }
        LOG.info("listing the checkpoints again: {}", e.getMessage());
      }
    }
  }

  private LatestCheckpoint scanLatest() throws CheckpointException {
    List<CheckpointProblem> skipped = new ArrayList<>();
    long[] epochs = layout.epochs(fs);
    for (int i = epochs.length - 1; i >= 0; i--) {
      long epoch = epochs[i];
      Path dir = layout.epochDir(epoch);
      try {
        LoadedCheckpoint loaded = reader.load(epoch, dir);
        if (!skipped.isEmpty()) {
          LOG.warn("falling back to the checkpoint of epoch {}: {} newer checkpoint(s) are damaged",
              epoch, skipped.size());
        }
        return new LatestCheckpoint(loaded, skipped);
      } catch (CheckpointCorruptedException e) {
        if (vanished(dir)) {
          throw new CheckpointDeletedException(epoch, dir.toString(), e);
        }
        LOG.warn("skipping damaged checkpoint of epoch {} at {}: {}", epoch, dir, e.getMessage());
        skipped.add(CheckpointProblem.of(epoch, dir.toString(), e));
      }
    }
    if (!skipped.isEmpty()) {
      LOG.warn("no valid checkpoint under {}: all {} are damaged", layout.checkpointsDir(), skipped.size());
    }
    return new LatestCheckpoint(null, skipped);
  }

  /** The checkpoint of {@code epoch} in {@code dir}, loaded and verified. */
  LoadedCheckpoint load(long epoch, Path dir) throws CheckpointException {
    try {
      return reader.load(epoch, dir);
    } catch (CheckpointCorruptedException e) {
      throw vanished(dir) ? new CheckpointDeletedException(epoch, dir.toString(), e) : e;
    }
  }

  /** The sizes and digests of the checkpoint of {@code epoch} in {@code dir} against its manifest. */
  VerificationReport verify(long epoch, Path dir) throws CheckpointException {
    VerificationReport report = reader.verify(epoch, dir);
    if (!report.ok() && vanished(dir)) {
      throw new CheckpointDeletedException(epoch, dir.toString(), null);
    }
    return report;
  }

  /** {@link CheckpointStore#verifyAll()}: every published checkpoint but those deleted meanwhile. */
  List<VerificationReport> verifyAll() throws CheckpointException {
    List<VerificationReport> out = new ArrayList<>();
    for (long e : layout.epochs(fs)) {
      try {
        out.add(verify(e, layout.epochDir(e)));
      } catch (CheckpointDeletedException gone) {
        // deleted since the listing: no longer one of the checkpoints
      }
    }
    return out;
  }

  /** Whether the checkpoint directory {@code dir}, listed before, is gone now (deleted, not damaged). */
  boolean vanished(Path dir) {
    try {
      return !fs.exists(dir);
    } catch (IOException e) {
      return false; // unknown: what the read saw stands
    }
  }
}
