package io.epochal.driver.app;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointSeries;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.train.MidEpochPosition;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * The mid-epoch checkpoint a resume of a job would continue from, as its listing shows it (manifests
 * parsed, files not hashed: a resume verifies them) for {@code status}, and as a resume loads it for
 * {@code resume --dry-run} ({@link MidEpochVerification} checks it for {@code verify}). Holds no state.
 */
final class MidEpochListing {

  private MidEpochListing() {}

  /**
   * The manifest of the newest mid-epoch checkpoint of job {@code dir} that continues the epoch after
   * {@code completed} epochs, or after one of the epoch checkpoints of {@code entries} newer than that (found
   * damaged: {@link MidEpochPosition#continues}), if there is one.
   */
  static Optional<CheckpointManifest> continuing(FileSystem fs, Configuration conf, Path dir, long completed,
      List<CheckpointEntry> entries) throws IOException {
    if (!fs.exists(new Path(dir, CheckpointSeries.STEPS.directory()))) {
      return Optional.empty();
    }
    return continuing(fs, conf, dir, completed, entries.stream().map(CheckpointEntry::epoch)
        .filter(e -> e > completed).collect(java.util.stream.Collectors.toSet()));
  }

  /**
   * As {@link #continuing(FileSystem, Configuration, Path, long, List)}, the epoch checkpoints found damaged
   * given by their epochs.
   */
  static Optional<CheckpointManifest> continuing(FileSystem fs, Configuration conf, Path dir, long completed,
      java.util.Set<Long> damaged) throws IOException {
    if (!fs.exists(new Path(dir, CheckpointSeries.STEPS.directory()))) {
      return Optional.empty();
    }
    try (CheckpointStore steps = HadoopCheckpointStore.builder().setJobDir(dir.toString()).optConfiguration(conf)
        .optSeries(CheckpointSeries.STEPS).build()) {
      List<CheckpointEntry> listed = steps.list();
      for (int i = listed.size() - 1; i >= 0; i--) { // the newest that continues it
        CheckpointEntry e = listed.get(i);
        Optional<MidEpochPosition> at = e.manifest().flatMap(MidEpochPosition::of);
        if (at.isPresent() && (e.manifest().get().epoch() == completed || at.get().continues(completed, 0, damaged))
            && VisibleDamage.visibleDamage(fs, e).isEmpty()) { // one visibly damaged the resume skips, as here
          return e.manifest();
        }
      }
      return Optional.empty();
    }
  }

  /**
   * The manifest of the newest mid-epoch checkpoint of job {@code dir} that continues the newest epoch
   * checkpoint of {@code entries} without visible damage, or one of the visibly damaged ones after it: the one a
   * resume continues after (a mid-epoch checkpoint after a missing one is removed by the resume, not continued).
   */
  static Optional<CheckpointManifest> continuing(FileSystem fs, Configuration conf, Path dir,
      List<CheckpointEntry> entries) throws IOException {
    return continuing(fs, conf, dir, VisibleDamage.newestIntactEpoch(fs, entries, Long.MAX_VALUE), entries);
  }

  /**
   * The newest verified mid-epoch checkpoint of job {@code dir} that continues the epoch after {@code completed}
   * epochs trained to {@code step}, or after one of the {@code damaged} epoch checkpoints ({@link
   * MidEpochPosition#continues}), loaded with every file checked as a resume checks it, if there is one.
   */
  static Optional<LoadedCheckpoint> verified(Configuration conf, Path dir, long completed, long step,
      java.util.Set<Long> damaged) throws IOException {
    try (CheckpointStore steps = HadoopCheckpointStore.builder().setJobDir(dir.toString()).optConfiguration(conf)
        .optSeries(CheckpointSeries.STEPS).build()) {
      // as the run finds it: the newest verified, else an older one that continues; one that records no round,
      // which the run refuses saying so, is not described by the dry run (it has no round to continue at)
      return io.epochal.driver.train.MidEpochPosition.newestContinuing(steps, steps.latest(), step,
          c -> MidEpochPosition.of(c.manifest()).map(at -> at.continues(completed, step, damaged)).orElse(false),
          new java.util.HashSet<>(), damage -> { });
    }
  }

  /**
   * {@code status}' line on the newest mid-epoch checkpoint of job {@code dir} that continues the newest epoch
   * checkpoint listed in {@code entries}: what a resume continues from (once its files verify).
   */
  static Optional<String> statusLine(FileSystem fs, Configuration conf, Path dir, List<CheckpointEntry> entries)
      throws IOException {
    return continuing(fs, conf, dir, entries).map(m -> {
      MidEpochPosition at = MidEpochPosition.of(m).orElseThrow();
      return "mid-epoch:   " + describe(m, at) + ": a resume continues " + at.next();
    });
  }

  /** {@code step-000000028 holds rounds 1-6 of 8 of epoch 2 (step 28, <created>)} for {@code m}. */
  static String describe(CheckpointManifest m, MidEpochPosition at) {
    return CheckpointSeries.STEPS.name(at.step()) + " holds " + at.rounds() + " (step " + at.step() + ", "
        + m.createdAt() + ")";
  }
}
