package io.epochal.checkpoint;

import java.io.IOException;

/**
 * Checked by {@link CheckpointStore#commit} right before a written checkpoint is published (renamed
 * to its final name). A driver that has lost its lease throws here, so it cannot publish.
 */
@FunctionalInterface
public interface CommitGuard {

  /** A guard that always allows publishing (single-writer use and tests). */
  CommitGuard NONE = epoch -> {};

  /**
   * Throws if the checkpoint of {@code epoch} must not be published; the commit then fails and
   * leaves nothing visible.
   *
   * @throws IOException or an unchecked exception to refuse the publish
   */
  void checkBeforePublish(long epoch) throws IOException;
}
