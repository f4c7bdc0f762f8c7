package io.epochal.driver.app;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.config.ShellWords;
import io.epochal.job.JobLease;
import io.epochal.job.JobState;
import io.epochal.job.JobStateStore;
import io.epochal.job.JobStatus;
import io.epochal.job.LeaseRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * {@code resume <job-dir> --dry-run}: says what a checked {@link PreparedResume} would do, on
 * standard error, and writes nothing. The lines: the job and its state; the epochs it would train
 * (after the newest checkpoint whose files verify, hashed as the resume hashes them);
 * how job.json would change; the placement keys of the run; and whether a live driver holds the job.
 */
final class ResumeDryRun {

  private final PrintStream err;

  ResumeDryRun(PrintStream err) {
    this.err = err;
  }

  /** Prints the plan of {@code resume}; returns the exit code the resume would start with. */
  int print(PreparedResume resume, Configuration conf) throws IOException {
    FileSystem fs = resume.jobDir().getFileSystem(conf);
    String dir = ShellWords.location(resume.jobDir());
    Optional<JobStatus> status = new JobStateStore(fs, resume.jobDir()).read();
    String state = status.map(s -> s.getState().name()).orElse("NEW");
    List<String> damaged = new ArrayList<>();
    long newest = newestVerified(resume, conf, damaged);
    int epochs = resume.spec().epochs();
    List<String> changes = resume.changes();
    err.println("epochal: dry run: " + dir + " (" + state + ", newest verified checkpoint: "
        + (newest == 0 ? "none" : "epoch " + newest) + ")");
    for (String d : damaged) {
      err.println("  " + d + "; the resume moves it aside and trains its epoch again");
    }
    if (newest >= epochs) {
      err.println("  trains nothing: all " + epochs + " epochs are committed"
          + (changes.isEmpty() ? (status.map(s -> s.getState() == JobState.COMPLETED).orElse(false)
              ? "; to train more, add --epochs N" : "; the resume marks the job COMPLETED")
              : "; the resume records the job.json change below and marks the job COMPLETED"));
    } else {
      err.println("  trains epoch" + (epochs - newest == 1 ? " " + epochs : "s " + (newest + 1) + " to " + epochs)
          + " of " + epochs + (newest == 0 ? ", from the start" : ", after epoch " + newest));
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
    Optional<LeaseRecord> lease = JobLease.builder().setFileSystem(fs).setJobDir(resume.jobDir()).build().current();
    if (lease.isPresent() && lease.get().isLiveAt(Instant.now())) {
      err.println("  but " + lease.get().getHolder() + " holds the job's lease until " + lease.get().getExpiresAt()
          + ": a resume now would exit " + ExitCodes.LEASE_HELD + " ('bin/epochal status " + dir + "' shows it)");
      return ExitCodes.LEASE_HELD;
    }
    err.println("  nothing was written; run the same command without --dry-run to resume");
    return ExitCodes.OK;
  }

  /**
   * The newest epoch whose checkpoint verifies (manifest, and every file's size and SHA-256, as the
   * resume checks it when it starts), or 0; each newer damaged one is added to {@code damaged}.
   */
  private static long newestVerified(PreparedResume resume, Configuration conf, List<String> damaged)
      throws IOException {
    try (CheckpointStore store = HadoopCheckpointStore.builder().setJobDir(resume.jobDir().toString())
        .optConfiguration(conf).build()) {
      List<CheckpointEntry> entries = store.list();
      for (int i = entries.size() - 1; i >= 0; i--) {
        CheckpointEntry e = entries.get(i);
        List<String> problems = e.manifest().isEmpty() ? List.of(e.manifestProblem().orElse("no manifest"))
            : store.verify(e).problems();
        if (problems.isEmpty()) {
          return e.epoch();
        }
        damaged.add(String.format("epoch-%06d is damaged: %s", e.epoch(), problems.get(0)));
      }
      return 0;
    }
  }
}
