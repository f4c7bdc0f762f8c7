package io.epochal.driver.app;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobKeys;
import io.epochal.driver.train.CheckpointFit;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Refuses, before anything is written, a job directory holding a checkpoint a newer Epochal wrote
 * (a manifest of a newer major format): it is not damaged, so no command of this build may move
 * it aside, train its epoch again, or fall back to an older checkpoint in its place.
 */
final class NewerFormatCheck {

  private NewerFormatCheck() {}

  /** The newest checkpoint of {@code entries} that a newer Epochal wrote, if any. */
  static Optional<CheckpointEntry> newest(List<CheckpointEntry> entries) {
    return entries.stream().filter(CheckpointEntry::newerFormat).reduce((a, b) -> b);
  }

  /** What is said of {@code entry}, a checkpoint a newer Epochal wrote. */
  static String describe(CheckpointEntry entry) {
    return CheckpointFit.newerFormat(entry.path(), entry.manifestProblem().orElse(""));
  }

  /**
   * Refuses a job whose newest checkpoints, as {@code latest} skipped them, include one a newer
   * Epochal wrote: an older one would be used in its place.
   *
   * @throws ConfigException on {@code job.dir} naming it and both format versions
   */
  static void check(io.epochal.checkpoint.LatestCheckpoint latest) {
    latest.skipped().stream().filter(io.epochal.checkpoint.CheckpointProblem::newerFormat).findFirst().ifPresent(p -> {
      throw new ConfigException(JobKeys.JOB_DIR, CheckpointFit.newerFormat(p.path(), p.reason()));
    });
  }

  /**
   * Checks the checkpoints of {@code jobDir} (their manifests only). A store that cannot be read is
   * left to the command, which reports it.
   *
   * @throws ConfigException on {@code job.dir} naming the checkpoint and both format versions
   */
  static void check(Path jobDir, Configuration conf) {
    Optional<CheckpointEntry> newer;
    try {
      newer = newestOfJob(jobDir, conf);
    } catch (IOException | RuntimeException e) {
      return;
    }
    if (newer.isPresent()) {
      throw new ConfigException(JobKeys.JOB_DIR, describe(newer.get()));
    }
  }

  /**
   * The newest checkpoint of {@code jobDir} a newer Epochal wrote, an epoch's or else a mid-epoch
   * one (a resume refuses either: {@code MidEpochCheckpoints#continuing}); its manifests only.
   */
  static Optional<CheckpointEntry> newestOfJob(Path jobDir, Configuration conf) throws IOException {
    for (io.epochal.checkpoint.CheckpointSeries series : List.of(io.epochal.checkpoint.CheckpointSeries.EPOCHS,
        io.epochal.checkpoint.CheckpointSeries.STEPS)) {
      Optional<CheckpointEntry> newer = newestOf(jobDir, series, conf);
      if (newer.isPresent()) {
        return newer;
      }
    }
    return Optional.empty();
  }

  /** The newest checkpoint of {@code series} of {@code jobDir} a newer Epochal wrote; its manifests only. */
  static Optional<CheckpointEntry> newestOf(Path jobDir, io.epochal.checkpoint.CheckpointSeries series,
      Configuration conf) throws IOException {
    try (CheckpointStore store = HadoopCheckpointStore.builder().setJobDir(jobDir.toString()).optSeries(series)
        .optConfiguration(conf).build()) {
      return newest(store.list());
    }
  }
}
