package io.epochal.driver.train;

/** Why a round, an epoch or a job failed; recorded in the job's event history. */
public enum FailureReason {
  /** An executor was lost while it ran a round. */
  WORKER_LOST(true),
  /** A task failed after Spark's retries. */
  TASK_FAILED(true),
  /** Writing a checkpoint failed; the previous checkpoint stays the latest. */
  CHECKPOINT_WRITE_FAILED(true),
  /** The job directory's file system could not be reached. */
  STORAGE_UNAVAILABLE(true),
  /** A worker's result or the aggregated state held NaN or infinity. */
  NON_FINITE_STATE(false),
  /**
   * The newest verified checkpoint's model does not reproduce the output recorded when it was
   * saved: the model's code or the engine differs from the ones that wrote it. Every older
   * checkpoint would reload through the same code, so retrying cannot help. Also a model that
   * cannot be checkpointed whole: two built models loaded with one state disagree (checked before
   * the first commit), or a model a worker trained disagrees with a freshly built one loaded with
   * the same state (checked in the first round that reuses it).
   */
  CHECKPOINT_NOT_REPRODUCIBLE(false),
  /** Another driver took the job's lease. */
  LEASE_LOST(false),
  /**
   * {@code train.device = gpu}, and an executor has no GPU it can train on (Spark assigned none, or
   * its engine sees no CUDA device): every attempt finds the same executors. A configuration error
   * of this run; a resume with other placement keys continues the job.
   */
  DEVICE_UNAVAILABLE(false),
  /**
   * The cluster's executors keep exiting before they register with the driver (an executor JVM that cannot start:
   * a setting such as {@code spark.executor.extraJavaOptions}, a missing library): every attempt gets the same
   * executors. A configuration error of this run's Spark; a resume with the setting fixed continues the job.
   */
  EXECUTORS_FAILING(false),
  /** The input data or the configuration is wrong; retrying cannot help. */
  BAD_INPUT(false),
  /**
   * The job directory holds what this build must not continue: a {@code job.json} that is not the
   * spec its checkpoints were trained with, or a checkpoint a newer Epochal wrote (a newer manifest
   * format). Nothing is moved or trained; retrying cannot help.
   */
  INCOMPATIBLE_JOB(false),
  /**
   * The driver's JVM ran out of heap while it trained (a worker's result, the averaged state or the
   * checkpoint being written did not fit; in local mode the executors share that heap). A retry in
   * the same JVM runs out the same way: resume with a larger heap.
   */
  DRIVER_OUT_OF_MEMORY(false),
  /**
   * The driver's JVM was shut down (SIGTERM, SIGINT) while it trained: the job is marked FAILED and
   * its lease released, so {@code resume} continues it at once.
   */
  INTERRUPTED(false);

  private final boolean retryable;

  FailureReason(boolean retryable) {
    this.retryable = retryable;
  }

  /** Whether reloading the newest checkpoint and trying again can succeed. */
  public boolean retryable() {
    return retryable;
  }
}
