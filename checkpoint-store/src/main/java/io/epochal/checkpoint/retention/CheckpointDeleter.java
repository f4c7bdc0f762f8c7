package io.epochal.checkpoint.retention;

import java.io.IOException;

/**
 * Deletes one committed checkpoint. The checkpoint store implements it by renaming the checkpoint
 * out of the published names first (so a half-deleted checkpoint is never listed, and what a
 * stopped deletion leaves is removed with the temporary directories), then deleting the manifest,
 * then the data.
 */
@FunctionalInterface
public interface CheckpointDeleter {

  /**
   * Deletes the checkpoint of {@code epoch}.
   *
   * @throws IOException naming the epoch and path if the deletion fails
   */
  void delete(long epoch) throws IOException;
}
