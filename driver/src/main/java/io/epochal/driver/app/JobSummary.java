package io.epochal.driver.app;

import io.epochal.checkpoint.CheckpointEntry;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.fs.FileSystem;

/**
 * What {@code status} shows of one job directory, read once: its state, lease, newest intact
 * checkpoint, damage and job file. Mutable, filled in by {@link JobSummaryReader} while it reads them.
 */
final class JobSummary {
  String state = "NEW";
  String reason = "";
  String epoch = "-";
  /** "/N" for a job of N epochs, as the table shows the epoch reached; empty when unknown. */
  String ofEpochs = "";
  String loss = "-";
  /** The metrics of the newest intact checkpoint; empty without one. */
  Map<String, Double> metrics = Map.of();
  /** The newest checkpoint's held-out loss ({@code data.validation_path}), "-" without one. */
  String valLoss = "-";
  String time = "-";
  String lease = "free";
  /** The lease in a table's column: the holder's host and process, times to the second. */
  String leaseBrief = "free";
  /** The lease record, if any. */
  Optional<io.epochal.job.LeaseRecord> leaseRecord = Optional.empty();
  /** Where the job's driver last said it was ({@code progress.json}), if it said so and it can be read. */
  Optional<io.epochal.job.JobProgress> progress = Optional.empty();
  /** Damaged checkpoints newer than the one summarized, newest first. */
  final List<String> damage = new java.util.ArrayList<>();
  /** A checkpoint a newer Epochal wrote, or what is wrong with a COMPLETED job's final one; or null. */
  String finalProblem;
  String checkpointsDir = "";
  /** The job's job.json, read once; empty when absent or when it cannot be read ({@link #specProblem}). */
  Optional<io.epochal.job.JobSpec> spec = Optional.empty();
  io.epochal.job.JobFileFormatException specProblem;
  List<CheckpointEntry> entries = List.of();
  List<CheckpointEntry> movedAside = List.of();
  /** Per epoch of {@link #entries} checked so far: what its listing shows damaged. */
  private final Map<Long, Optional<String>> checked = new java.util.HashMap<>();

  /** What the listing shows damaged in entry {@code i}, checked once. */
  Optional<String> damageOf(FileSystem fs, int i) throws IOException {
    CheckpointEntry e = entries.get(i);
    if (e.newerFormat()) {
      return Optional.empty(); // not damaged: a newer Epochal wrote it (said as the job's problem)
    }
    Optional<String> known = checked.get(e.epoch());
    if (known == null) {
      known = VisibleDamage.visibleDamage(fs, e);
      checked.put(e.epoch(), known);
    }
    return known;
  }
}
