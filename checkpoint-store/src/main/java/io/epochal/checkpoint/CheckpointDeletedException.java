package io.epochal.checkpoint;

/**
 * A checkpoint was deleted while it was being read: listed, then removed (by the retention of the
 * job's running driver, or by hand) before its files were read. It is not damage; listing the
 * checkpoints again shows what there is now.
 */
public class CheckpointDeletedException extends CheckpointException {

  private static final long serialVersionUID = 1L;

  /** The checkpoint of {@code epoch} in directory {@code dir} is gone; {@code cause}: what its read saw. */
  public CheckpointDeletedException(long epoch, String dir, Throwable cause) {
    super(epoch, dir, "deleted while it was being read (by the retention of a driver running the job, or by hand); "
        + "it is not damaged: list the checkpoints again", cause);
  }
}
