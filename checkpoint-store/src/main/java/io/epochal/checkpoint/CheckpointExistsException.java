package io.epochal.checkpoint;

/** A commit was refused because a checkpoint of that epoch is already published. */
public class CheckpointExistsException extends CheckpointException {

  private static final long serialVersionUID = 1L;

  /** The checkpoint of {@code epoch} at {@code path} already exists. */
  public CheckpointExistsException(long epoch, String path) {
    super(epoch, path, "a checkpoint of this epoch already exists; epochs are committed once"
        + " (delete it first if it must really be replaced)");
  }
}
