package io.epochal.checkpoint.retention;

import java.io.IOException;

/**
 * Deletes one committed checkpoint. The checkpoint store implements it by deleting the manifest
 * first (so a half-deleted checkpoint is never trusted) and then the data.
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
