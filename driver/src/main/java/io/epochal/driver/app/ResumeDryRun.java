package io.epochal.driver.app;

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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * {@code resume <job-dir> --dry-run}: says what a checked {@link PreparedResume} would do, on
 * standard error, and writes nothing. The lines: the job and its state; the epochs it would train
 * (from the newest checkpoint its listing shows intact: the resume itself also verifies the bytes);
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
    long newest = resume.checkpoints().newest;
    int epochs = resume.spec().epochs();
    List<String> changes = resume.changes();
    err.println("epochal: dry run: " + dir + " (" + state + ", newest intact checkpoint: "
        + (newest == 0 ? "none" : "epoch " + newest) + ")");
    if (!resume.checkpoints().damaged.isEmpty()) {
      err.println("  " + resume.checkpoints().damagedText() + "; the resume trains again from the newest "
          + "checkpoint whose files verify");
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
}
