package io.epochal.job;

/** What a {@link JobEvent} records. */
public enum JobEventType {
  /** A driver attempt started the job from scratch. */
  STARTED,
  /** A driver attempt resumed the job from a checkpoint. */
  RESUMED,
  /**
   * {@code job.json} was amended: the job directory or its data moved, or its number of epochs
   * changed; the message lists each key's old and new value.
   */
  AMENDED,
  /** A checkpoint for an epoch was committed. */
  EPOCH_COMMITTED,
  /**
   * Retention deleted checkpoints after a commit; the message names their epochs, the retention
   * keys, and any checkpoint it could not delete.
   */
  CHECKPOINTS_DELETED,
  /** A round, an epoch or the attempt failed. */
  FAILURE,
  /** The job finished its last epoch. */
  COMPLETED
}
