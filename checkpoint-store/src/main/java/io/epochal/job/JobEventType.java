package io.epochal.job;

/** What a {@link JobEvent} records. */
public enum JobEventType {
  /** A driver attempt started the job from scratch. */
  STARTED,
  /** A driver attempt resumed the job from a checkpoint. */
  RESUMED,
  /** The job directory or its data had moved; {@code job.json} now names the new locations. */
  RELOCATED,
  /** A checkpoint for an epoch was committed. */
  EPOCH_COMMITTED,
  /** A round, an epoch or the attempt failed. */
  FAILURE,
  /** The job finished its last epoch. */
  COMPLETED
}
