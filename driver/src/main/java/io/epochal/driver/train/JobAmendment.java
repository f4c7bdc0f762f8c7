package io.epochal.driver.train;

import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.RelocationNote;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventType;
import io.epochal.params.ValueChange;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.hadoop.fs.Path;

/**
 * The amendment a run makes to its job's {@code job.json} ({@link JobSpecFile}) and its record in
 * the job's history: the amendment the run's spec asks for, written after the run's checks, or
 * {@code train.epochs} cut to the epoch the job stopped early at; each is recorded as an AMENDED
 * event of the {@link JobDirectory}'s attempt.
 */
final class JobAmendment {

  private final JobDirectory job;
  private final JobSpecFile specFile;
  private final JobOutcome outcome;
  private final TrainingListener listener;

  JobAmendment(JobDirectory job, JobSpecFile specFile, JobOutcome outcome, TrainingListener listener) {
    this.job = job;
    this.specFile = specFile;
    this.outcome = outcome;
    this.listener = listener;
  }

  /**
   * Writes the amendment into {@code job.json} (compare-and-replace) and records it as an AMENDED
   * event at {@code epoch} (the newest one committed); called while holding the lease, after the
   * run's checks. Does nothing if none is pending.
   */
  void apply(long epoch) throws IOException {
    JobSpec spec = job.spec();
    // more epochs after the newest: recorded first, and a failure to stops the run, since a job stopped early
    // there trains on only when its history says a resume extended it (EarlyStopping.epochsExtendedAfter)
    boolean trainsOn = specFile.amendmentPending() && specFile.amendsEpochs() && spec.epochs() > epoch;
    // what the history said before: a record taken back must leave it saying that; unknown (null) when the
    // history cannot be read, and then taken as extended, so that a record taken back never amends the job down
    Boolean extendedBefore = false;
    if (trainsOn) {
      try {
        extendedBefore = EarlyStopping.extendedAfter(job.fileSystem(), job.path(), epoch);
      } catch (IOException | RuntimeException unreadable) {
        extendedBefore = null;
      }
    }
    if (trainsOn && job.history() != null) {
      try {
        job.history().appendOrThrow(amendment(specFile.pendingChanges(), epoch, "").build());
      } catch (IOException e) {
        throw new IOException("the amendment cannot be recorded in the event history, which it is before job.json "
            + "is rewritten (" + e.getMessage() + ")", e);
      }
    }
    Optional<List<ValueChange>> amended;
    try {
      amended = specFile.apply();
    } catch (IOException | RuntimeException e) {
      if (trainsOn && job.history() != null) { // job.json as it was: the epochs recorded above are taken back
        long stored = specFile.storedEpochs().orElse(spec.epochs()); // what job.json still holds
        job.event(JobEventType.AMENDED, epoch, amendment(List.of(ValueChange.of(JobKeys.EPOCHS,
            (long) spec.epochs(), extendedBefore == null || extendedBefore || stored <= epoch ? stored : epoch)), epoch,
            TrainingJob.AMENDMENT_TAKEN_BACK + "the amendment above was not written to job.json, which keeps "
            + "train.epochs " + stored + ": "
            + FailureClassifier.rootCause(e) + ")"));
      }
      throw e;
    }
    outcome.endsAt(spec.epochs()); // job.json holds the spec's train.epochs now
    if (amended.isPresent()) {
      String said = trainsOn ? said(amended.get()) : record(amended.get(), epoch, "");
      listener.message("amended job " + spec.jobDirText() + ": " + said + " (job.json rewritten, every training "
          + "hyperparameter unchanged)");
      amended.get().stream().filter(c -> c.getKey().equals(JobKeys.JOB_DIR)).findFirst()
          .flatMap(ValueChange::fromText).ifPresent(from -> RelocationNote.of(spec.jobName(),
              spec.jobDirText(), Instant.now()).leave(job.fileSystem(), job.path(), new Path(from),
              listener::warning));
    }
  }

  /**
   * The job stops early after epoch {@code epochs}, its newest committed ({@link EarlyStopping},
   * {@code why}): amends {@code train.epochs} in {@code job.json} to it (compare-and-replace, {@link
   * JobSpecFile#amendEpochs}), records an AMENDED event that says why, and completes it there.
   */
  void stopEarly(int epochs, String why) throws IOException {
    outcome.endsAt(epochs);
    Optional<List<ValueChange>> amended = specFile.amendEpochs(epochs);
    if (amended.isPresent()) {
      record(amended.get(), epochs, " (stopped early: " + why + ")");
    }
  }

  private String record(List<ValueChange> changes, long epoch, String note) {
    job.event(JobEventType.AMENDED, epoch, amendment(changes, epoch, note));
    return said(changes);
  }

  private JobEvent.Builder amendment(List<ValueChange> changes, long epoch, String note) {
    return JobEvent.builder(JobEventType.AMENDED, Instant.now(), job.attempt()).optEpoch(epoch).optRound(0)
        .optMessage(said(changes) + note).optChanges(changes);
  }

  private static String said(List<ValueChange> changes) {
    return changes.stream().map(ValueChange::toString).collect(Collectors.joining("; "));
  }
}
