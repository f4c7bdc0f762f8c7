package io.epochal.driver.app;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointProblem;
import io.epochal.checkpoint.LatestCheckpoint;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.config.ShellWords;
import io.epochal.driver.train.CheckpointFit;
import io.epochal.driver.train.TrainingConfigs;
import io.epochal.driver.train.TrainingException;
import io.epochal.driver.train.TrainingListener;
import io.epochal.job.JobLease;
import io.epochal.job.JobState;
import io.epochal.job.JobStateStore;
import io.epochal.job.JobStatus;
import io.epochal.job.LeaseRecord;
import io.epochal.worker.probe.EngineCompatibility;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * {@code resume <job-dir> --dry-run}: says what a checked {@link PreparedResume} would do, on
 * standard error, and writes nothing. The lines: the job and its state; the epochs it would train
 * (after the newest checkpoint whose files verify, hashed as the resume hashes them), or why
 * the resume would stop on that checkpoint (its tensors or its probe); how job.json would change; the placement keys of the run; the data, loaded on Spark and checked
 * as the resume checks it ({@link DryRunDataCheck}); and whether a live driver holds the job.
 */
final class ResumeDryRun {

  private final PrintStream err;
  private final String run;

  /**
   * @param run the command the dry run stands for: "resume", or "train" for a train whose job.dir
   *     already holds its spec (it continues the job as a resume does)
   */
  ResumeDryRun(PrintStream err, String run) {
    this.err = err;
    this.run = run;
  }

  /**
   * The newest verified mid-epoch checkpoint that continues epoch {@code newest} trained to {@code step}, or one
   * of the {@code damaged} epoch checkpoints after it (every file checked, as the run checks it), if there is one:
   * the run trains on from the round after it.
   */
  private static Optional<LoadedCheckpoint> midEpoch(org.apache.hadoop.fs.Path jobDir, Configuration conf,
      long newest, long step, java.util.Set<Long> damaged) {
    try {
      return MidEpochListing.verified(conf, jobDir, newest, step, damaged);
    } catch (IOException | RuntimeException unreadable) {
      return Optional.empty(); // the run reports a store it cannot read
    }
  }

  /**
   * Whether a live driver holds the job's lease, so that the run, which takes the lease before it reads the job's
   * checkpoints and history, would exit {@link ExitCodes#LEASE_HELD}; says who holds it. A dead driver of this host
   * whose lease the run would wait out holds it not: said so, false.
   */
  private boolean leaseHeld(PreparedResume resume, FileSystem fs, String dir) throws IOException {
    Optional<LeaseRecord> lease = JobLease.builder().setFileSystem(fs).setJobDir(resume.jobDir())
        .optTtl(java.time.Duration.ofMillis(resume.spec().leaseTtlMs())).build().current();
    if (lease.isEmpty() || !lease.get().isLiveAt(Instant.now())) {
      return false;
    }
    boolean waits = !Instant.now().plusMillis(resume.spec().leaseTtlMs()).isBefore(lease.get().getExpiresAt());
    if (waits && lease.get().holderGoneFromThisHost()) {
      // a driver of this host that died holding the lease: the run waits for the expiry, then goes on as below
      err.println("  " + lease.get().getHolder() + " holds the job's lease until " + lease.get().getExpiresAt()
          + ", but that driver, a process of this host, no longer runs: a " + run + " now waits for that expiry "
          + "(about " + Math.max(1, java.time.Duration.between(Instant.now(), lease.get().getExpiresAt()).toSeconds())
          + " s) and then takes the job over");
      return false;
    }
    err.println("  but " + lease.get().getHolder() + " holds the job's lease until " + lease.get().getExpiresAt()
        + ": a " + run + " now would " + (waits ? "wait for that expiry and then take the job over, or exit "
        + ExitCodes.LEASE_HELD + " if its holder renews it (a driver that runs)" : "exit " + ExitCodes.LEASE_HELD)
        + " ('bin/epochal status " + dir + "' shows it)");
    return true;
  }

  /** The line that says where the run continues from mid-epoch checkpoint {@code c}, after epoch {@code newest}. */
  private static String continues(LoadedCheckpoint c, long newest) {
    return "  continues epoch " + (newest + 1) + " "
        + io.epochal.driver.train.MidEpochPosition.of(c.manifest()).orElseThrow().next() + " from mid-epoch checkpoint "
        + io.epochal.driver.config.JobSpecResolver.locationText(c.path())
        + " (step " + c.manifest().globalStep() + ")";
  }

  /**
   * Prints the plan of {@code resume}, checking its data with {@code data} when the resume would
   * read it; returns the exit code the resume would start with.
   */
  int print(PreparedResume resume, Configuration conf, DryRunDataCheck data) throws IOException {
    FileSystem fs = resume.jobDir().getFileSystem(conf);
    String dir = ShellWords.location(resume.jobDir());
    Optional<JobStatus> status = new JobStateStore(fs, resume.jobDir()).read();
    String state = status.map(s -> s.getState().name()).orElse("NEW");
    List<CheckpointProblem> damaged = new ArrayList<>();
    Optional<LoadedCheckpoint> loaded = newestVerified(resume.jobDir(), conf, damaged);
    Optional<CheckpointEntry> after = loaded.map(c -> new CheckpointEntry(c.manifest().epoch(), c.path(),
        c.manifest(), null));
    long newest = after.map(CheckpointEntry::epoch).orElse(0L);
    int epochs = resume.spec().epochs();
    List<String> changes = resume.changes();
    // the mid-epoch checkpoint the run continues from, if any; one after damaged epoch checkpoints holds their state
    Optional<LoadedCheckpoint> mid = newest >= epochs ? Optional.empty() : midEpoch(resume.jobDir(), conf, newest,
        loaded.map(c -> c.manifest().globalStep()).orElse(0L), damaged.stream().map(CheckpointProblem::epoch)
        .collect(java.util.stream.Collectors.toSet()))
        .filter(c -> c.manifest().epoch() < epochs); // one beyond train.epochs (--epochs) the run removes
    long passed = mid.map(c -> c.manifest().epoch()).orElse(newest); // the epochs it holds, or the checkpoint's
    err.println("epochal: dry run: " + dir + " (" + state + ", newest verified checkpoint: "
        + (newest == 0 ? "none" : "epoch " + newest) + ")");
    for (CheckpointProblem d : damaged) {
      err.println(String.format(Locale.ROOT, "  epoch-%06d is damaged: %s", d.epoch(),
          d.reason()) + "; " + (d.epoch() > epochs
          ? "it is beyond train.epochs = " + epochs + ", so no " + run + " trains its epoch"
          : d.epoch() <= passed ? "the " + run + " leaves it in place and does not train its epoch again: the "
          + "mid-epoch checkpoint below holds the state after it"
          : "the " + run + " moves it aside and trains its epoch again"));
    }
    boolean completed = status.map(s -> s.getState() == JobState.COMPLETED).orElse(false);
    if (newest >= epochs) {
      err.println("  trains nothing: " + (epochs == 1 ? "its 1 epoch is" : "all " + epochs + " epochs are") + " committed"
          + (changes.isEmpty() ? (completed ? "; to train more, " + (run.equals("resume") ? "add --epochs N"
              : ResumeCommand.withoutJobKeys(resume.spec(), data.options()) + " --epochs N")
              : "; the " + run + " marks the job COMPLETED")
              : "; the " + run + " records the job.json change below and marks the job COMPLETED"));
    } else {
      Optional<String> stoppedAt = loaded.filter(c -> !resume.amendsEpochs() && passed == newest)
          .flatMap(c -> io.epochal.driver.train.EarlyStopping.stoppedAt(resume.spec(), c.manifest()));
      try { // read as the run reads it: a history that cannot be read stops the run
        if (stoppedAt.isPresent() && io.epochal.driver.train.EarlyStopping.extendedAfterOrFail(fs, resume.jobDir(),
            newest)) {
          stoppedAt = Optional.empty();
        }
      } catch (TrainingException e) {
        err.println("  but the " + run + " would stop: " + e.getMessage());
        // unless a live driver holds the job: the run takes the lease before it reads the job's history
        return leaseHeld(resume, fs, dir) ? ExitCodes.LEASE_HELD : DryRunDataCheck.exitCode(e);
      }
      Optional<String> stopped = stoppedAt;
      err.println(stopped.map(why -> "  trains nothing: the job stopped early at epoch " + newest + " (" + why
          + "); the " + run + " amends train.epochs to " + newest + " and marks the job COMPLETED")
          .orElseGet(() -> "  trains epoch" + (epochs - passed == 1 ? " " + epochs : "s " + (passed + 1) + " to "
          + epochs) + " of " + epochs + (passed == 0 ? ", from the start" : ", after epoch " + passed)));
      if (stopped.isEmpty()) {
        mid.ifPresent(c -> err.println(continues(c, passed)));
      } else {
        mid = Optional.empty();
      }
      // the schedule of the checkpoint the run continues from: the mid-epoch one's, at its step, when there is one
      Optional<LoadedCheckpoint> scheduled = mid.isPresent() ? mid : loaded;
      scheduled.filter(c -> stopped.isEmpty()).flatMap(c -> ContinuationLines.learningRate(resume.spec()
          .toHyperParameters(), c.manifest().learningRateSchedule()))
          .ifPresent(rate -> err.println("  learning rate: " + rate));
    }
    // the checkpoints the run continues from, checked as it checks them: the epoch's, then the mid-epoch one after it
    List<LoadedCheckpoint> continued = new ArrayList<>();
    after.ifPresent(e -> continued.add(loaded.get()));
    mid.ifPresent(continued::add);
    for (LoadedCheckpoint c : continued) {
      Optional<TrainingException> stop = notContinuable(resume, c);
      if (stop.isPresent()) {
        err.println("  but the " + run + " would stop: " + stop.get().getMessage().replace("\n", "\n  "));
        // as the run exits: unless a live driver holds the job, as the run takes the lease before it checks them
        return leaseHeld(resume, fs, dir) ? ExitCodes.LEASE_HELD : DryRunDataCheck.exitCode(stop.get());
      }
    }
    if (changes.isEmpty()) {
      err.println("  job.json stays as it is");
    } else {
      err.println("  job.json changes (written once the run holds the job's lease and has checked the change):");
      changes.forEach(line -> err.println("    " + line));
    }
    for (Map.Entry<String, String> p : resume.placement().entrySet()) {
      err.println("  this run only: " + p.getKey() + "=" + p.getValue());
    }
    try (CheckpointStore store = HadoopCheckpointStore.builder().setJobDir(resume.jobDir().toString())
        .optConfiguration(conf).build()) {
      // the run moves damaged checkpoints aside before its retention, but those a mid-epoch checkpoint it continues
      // from follows (their state is in it): those stay, kept by its retention as no verified checkpoint
      List<Long> movedAside = damaged.stream().map(CheckpointProblem::epoch).filter(e -> e > passed).toList();
      List<Long> inPlace = damaged.stream().map(CheckpointProblem::epoch).filter(e -> e <= passed).toList();
      io.epochal.driver.train.JobRetention.wouldDelete(resume.spec(), store.list(), movedAside, inPlace)
          .ifPresent(d -> err.println("  retention deletes " + d + " when the " + run + " starts; that cannot be "
              + "undone"));
    }
    boolean allCommitted = newest >= epochs && mid.isEmpty() && !resume.changesData();
    // a COMPLETED job with nothing to train or change is reported as it is, without taking the lease
    if (!(completed && allCommitted && changes.isEmpty()) && leaseHeld(resume, fs, dir)) {
      return ExitCodes.LEASE_HELD;
    }
    // as the resume: with the lease, it reads the data unless every epoch is committed (no mid-epoch checkpoint
    // continued) and it keeps its data.path; a COMPLETED job then reads only the other held-out rows it is given,
    // another one reads the data as well, then them
    // the held-out rows the checkpoint the run continues from measured: the mid-epoch one's, else the epoch's
    Optional<io.epochal.driver.train.HeldOutRowsCheck.Measured> measured = mid
        .flatMap(c -> io.epochal.driver.train.HeldOutRowsCheck.Measured.of(c.path(), c.manifest()))
        .or(() -> loaded.flatMap(c -> io.epochal.driver.train.HeldOutRowsCheck.Measured.of(c.path(), c.manifest())));
    if (measured.isEmpty()) { // other rows for a checkpoint that records no digest of its own
      int code = data.refuseUnmeasured(resume.spec(), after.isPresent() || mid.isPresent(), resume.changesHeldOut(),
          newest, run);
      if (code != ExitCodes.OK) {
        return code;
      }
    }
    if (allCommitted && completed && resume.changesHeldOut()) {
      int code = data.checkHeldOutOnly(resume.spec(), measured, newest, resume.givesNewHeldOut(), run);
      if (code != ExitCodes.OK) {
        return code;
      }
    } else if (!allCommitted || !completed && resume.changesHeldOut()) {
      int code = data.check(resume.spec(), after, mid, measured, resume.givesNewHeldOut(), run);
      if (code == ExitCodes.OK && newest >= epochs && resume.changesHeldOut()) {
        // the run checks them before it amends job.json
        code = data.checkHeldOutOnly(resume.spec(), measured, newest, resume.givesNewHeldOut(), run);
      }
      if (code != ExitCodes.OK) {
        return code;
      }
    } else {
      data.checkPlacement(resume.spec()); // the run starts Spark all the same, with these keys checked first
    }
    err.println("  nothing was written; run the same command without --dry-run to " + run);
    return ExitCodes.OK;
  }

  /**
   * Why the run would stop on {@code checkpoint} (its files verified) before training, if it
   * would: it was trained with other hyperparameters than job.json holds, its tensors do not fit
   * the model or the optimizer, or its probe does not reproduce
   * ({@link CheckpointFit#checkContinuable}, as the run checks it); a runtime that differs from the
   * checkpoint's is said as the run says it.
   */
  private Optional<TrainingException> notContinuable(PreparedResume resume, LoadedCheckpoint checkpoint) {
    try {
      CheckpointFit.checkTrainedWith(checkpoint, resume.spec().toHyperParameters());
      CheckpointFit.checkContinuable(checkpoint, TrainingConfigs.of(resume.spec()),
          EngineCompatibility.currentVersions(), new TrainingListener() {
            @Override
            public void warning(String message) {
              err.println("  warning: " + message);
            }
          });
      return Optional.empty();
    } catch (TrainingException e) {
      return Optional.of(e);
    }
  }

  /**
   * The checkpoint a resume of {@code jobDir} continues after, loaded as the resume loads it
   * ({@link CheckpointStore#latest()}: manifest, every file's size and SHA-256, safetensors
   * structure), if any; each newer damaged one is added to {@code damaged}.
   */
  static Optional<LoadedCheckpoint> newestVerified(org.apache.hadoop.fs.Path jobDir, Configuration conf,
      List<CheckpointProblem> damaged) throws IOException {
    try (CheckpointStore store = HadoopCheckpointStore.builder().setJobDir(jobDir.toString())
        .optConfiguration(conf).build()) {
      LatestCheckpoint latest = store.latest();
      damaged.addAll(latest.skipped());
      return latest.checkpoint();
    }
  }

}
