package io.epochal.job;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * The life-cycle state of a job. Allowed transitions: a new job starts {@link #RUNNING};
 * {@code RUNNING -> RUNNING} (a new attempt takes over a dead driver), {@code RUNNING -> FAILED},
 * {@code RUNNING -> COMPLETED}, {@code FAILED -> RUNNING} (resume). {@link #COMPLETED} is final,
 * except through {@link JobStateStore#reopen} when the job's final checkpoint is found damaged.
 */
public enum JobState {
  /** A driver attempt is (or was last seen) training. */
  RUNNING,
  /** The last attempt gave up; the job can be resumed. */
  FAILED,
  /** All epochs are done; final. */
  COMPLETED;

  /** Whether a job in this state may move to {@code next}. */
  public boolean canBecome(JobState next) {
    checkNotNull(next, "next");
    switch (this) {
      case RUNNING:
        return true;
      case FAILED:
        return next == RUNNING;
      default:
        return false;
    }
  }
}
