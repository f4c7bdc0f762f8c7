package io.epochal.driver.app;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.driver.config.EpochMetrics;
import io.epochal.driver.config.ShellWords;
import io.epochal.job.JobStatus;
import io.epochal.job.LeaseRecord;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * Reads one job directory into the {@link JobSummary} {@code status} shows of it: its state (LOST
 * when no live driver holds a RUNNING job, with the command that continues it), lease, progress,
 * newest intact checkpoint, the damage after it and its job file.
 */
final class JobSummaryReader {

  private final Configuration conf;

  JobSummaryReader(Configuration conf) {
    this.conf = conf;
  }

  /** Reads the job in {@code dir}: its state (LOST when its driver is gone), lease, checkpoints and job file. */
  JobSummary read(FileSystem fs, Path dir) throws IOException {
    JobSummary s = new JobSummary();
    // read first: its lease.ttl_ms dates a claim whose record is empty or damaged
    Optional<io.epochal.job.JobSpec> spec = Optional.empty();
    io.epochal.job.JobFileFormatException specProblem = null;
    try {
      spec = new io.epochal.job.JobSpecStore(fs, dir).read();
    } catch (io.epochal.job.JobFileFormatException e) {
      specProblem = e; // reported by the callers
    }
    StateAndLease read = StateAndLease.read(fs, dir, spec); // a driver starting or ending now is not LOST
    Optional<JobStatus> status = read.status();
    s.state = status.map(x -> x.getState().name()).orElse("NEW");
    s.reason = status.map(x -> x.getReason() == null ? "" : x.getReason()).orElse("");
    Optional<LeaseRecord> lease = read.lease();
    s.leaseRecord = lease;
    try {
      s.progress = new io.epochal.job.JobProgressStore(fs, dir).read();
    } catch (IOException | RuntimeException unreadable) {
      s.progress = Optional.empty(); // a report for people only: status goes on without it
    }
    s.lease = lease.map(l -> l.isLiveAt(Instant.now())
        ? l.getHolder() + " until " + l.getExpiresAt()
        : "free (last " + l.getHolder() + (l.isReleased() ? ", released " : ", expired ") + l.getExpiresAt() + ")")
        .orElse("free");
    s.leaseBrief = lease.map(l -> l.isLiveAt(Instant.now())
        ? "held by " + JobStatusReport.briefHolder(l.getHolder()) + " until "
        + l.getExpiresAt().truncatedTo(ChronoUnit.SECONDS)
        : "free since " + l.getExpiresAt().truncatedTo(ChronoUnit.SECONDS) + (l.isReleased() ? "" : " (expired)"))
        .orElse("free");
    if (s.state.equals("FAILED") && lease.map(l -> l.isLiveAt(Instant.now())
        && l.getAttempt() > status.get().getAttempt()).orElse(false)) {
      // a driver that stalled past its lease wrote FAILED after the driver that took the job from it began: that
      // driver runs it (the same late write its own end takes back)
      s.state = "RUNNING";
      s.reason = "attempt " + lease.get().getAttempt() + " runs it; attempt " + status.get().getAttempt()
          + ", a driver it took the job from, marked it FAILED after that" + (s.reason.isEmpty() ? ""
          : " (" + s.reason + ")");
    }
    if (s.state.equals("RUNNING") && lease.map(l -> !l.isLiveAt(Instant.now())).orElse(true)) {
      // a driver that died without a word (SIGKILL, a lost host) leaves its job RUNNING
      s.state = "LOST";
      s.reason = "it was RUNNING, but no driver holds its lease: the driver is gone; " + continuation(fs, dir)
          + (s.reason.isEmpty() ? "" : " (its state says how its last run began: " + s.reason + ")");
    } else if (s.state.equals("RUNNING") && lease.get().holderGoneFromThisHost()) {
      // its lease is live, but its holder was a process of this host that no longer runs
      s.state = "LOST";
      s.reason = "it is RUNNING, but its driver " + lease.get().getHolder() + " was a process of this host that "
          + "no longer runs; its lease expires at " + lease.get().getExpiresAt() + ", then "
          + continuation(fs, dir);
    }
    try (CheckpointStore store = openStore(dir)) {
      s.checkpointsDir = store.checkpointsDir();
      s.entries = store.list();
      s.movedAside = store.listMovedAside();
    }
    Optional<CheckpointEntry> newer = NewerFormatCheck.newest(s.entries);
    if (newer.isEmpty()) { // a mid-epoch checkpoint of a newer Epochal: a resume refuses the job alike
      try {
        newer = NewerFormatCheck.newestOf(dir, io.epochal.checkpoint.CheckpointSeries.STEPS, conf);
      } catch (IOException | RuntimeException unreadable) {
        // not checked: what a resume finds there is its to say
      }
    }
    if (newer.isPresent()) {
      s.finalProblem = NewerFormatCheck.describe(newer.get()) + "; no command of this build resumes it";
    }
    Optional<String> finalDamage = Optional.empty();
    java.util.OptionalLong last = java.util.OptionalLong.empty();
    if (specProblem == null) {
      s.spec = spec;
      last = VisibleDamage.finalEpoch(s.spec);
    } else {
      s.specProblem = specProblem;
    }
    if (last.isPresent()) {
      s.ofEpochs = "/" + last.getAsLong();
    }
    if (s.specProblem == null && newer.isEmpty() && s.state.equals("COMPLETED")) {
      finalDamage = VisibleDamage.finalCheckpointProblem(fs, s.spec, s.entries);
    }
    for (int i = s.entries.size() - 1; i >= 0; i--) {
      Optional<CheckpointManifest> m = s.entries.get(i).manifest();
      Optional<String> damage = s.damageOf(fs, i);
      if (damage.isPresent()) {
        if (finalDamage.isEmpty() || last.isEmpty() || s.entries.get(i).epoch() != last.getAsLong()) {
          s.damage.add("epoch " + s.entries.get(i).epoch() + ": " + damage.get()); // the final one is said once
        }
        continue;
      }
      if (m.isPresent()) {
        s.epoch = Long.toString(m.get().epoch());
        s.loss = JobStatusReport.lossText(m.get().metrics().get(EpochMetrics.TRAIN_LOSS));
        s.metrics = m.get().metrics();
        s.valLoss = JobStatusReport.lossText(m.get().metrics().get(EpochMetrics.VAL_LOSS));
        s.time = m.get().createdAt().toString().replaceFirst("\\.\\d+Z$", "Z");
        break;
      }
    }
    finalDamage.ifPresent(why -> s.finalProblem = why + "; 'bin/epochal resume " + ShellWords.location(dir) + "' "
        + (s.epoch.equals("-") ? "trains it again from epoch 1" : "continues after epoch " + s.epoch
        + ", its newest intact checkpoint"));
    return s;
  }

  private CheckpointStore openStore(Path dir) throws IOException {
    return HadoopCheckpointStore.builder().setJobDir(dir.toString()).optConfiguration(conf).build();
  }

  /**
   * The command that continues the LOST job in {@code dir}, and what it continues: with --relocate when its
   * directory was moved there or its original location cannot be checked (a NameNode back at another address),
   * where a resume without it is refused; for a copy of a job its original still holds, the resume of the original,
   * as a resume of the copy is refused (read only for a LOST job, whose line names it).
   */
  private String continuation(FileSystem fs, Path dir) {
    String resume = "bin/epochal resume " + ShellWords.location(dir);
    try {
      Optional<io.epochal.job.JobSpec> spec = new io.epochal.job.JobSpecStore(fs, dir).read();
      Optional<JobRelocator.Foreign> foreign = spec.isEmpty() ? Optional.empty()
          : new JobRelocator(conf, System.err).foreign(spec.get().getHyperParameters(), fs.makeQualified(dir));
      if (foreign.isPresent() && foreign.get().copy()) {
        return "a resume of this directory is refused: " + foreign.get().reason();
      }
      return quoted(foreign.isPresent() ? resume + " --relocate" : resume) + " continues it";
    } catch (IOException | RuntimeException e) {
      return quoted(resume) + " continues it"; // job.json is reported where it is read
    }
  }

  /** {@code command} set off in a sentence: in single quotes, or double ones when it holds a quoted path. */
  private static String quoted(String command) {
    return command.contains("'") ? "\"" + command + "\"" : "'" + command + "'";
  }
}
