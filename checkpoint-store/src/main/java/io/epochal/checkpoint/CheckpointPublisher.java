package io.epochal.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last step of a commit and the clean-up of a failed one. Publishing renames the complete
 * temporary directory (its manifest written last) to {@code epoch-NNNNNN} with a rename that
 * refuses an existing target, then syncs the parent directory on the local file system; a failed
 * commit's temporary directory is removed, and a failure to remove it is attached to the commit's
 * own failure rather than hiding it.
 */
final class CheckpointPublisher {

  private static final Logger LOG = LoggerFactory.getLogger(CheckpointPublisher.class);

  private final FileSystem fs;
  private final FileContext fc;
  private final boolean local;
  private final CheckpointFileWriter writer;

  CheckpointPublisher(FileSystem fs, FileContext fc, boolean local, CheckpointFileWriter writer) {
    this.fs = fs;
    this.fc = fc;
    this.local = local;
    this.writer = writer;
  }

  /**
   * Renames {@code tmp} to {@code target} and syncs {@code parent}.
   *
   * @throws CheckpointExistsException if {@code target} exists, before or during the rename
   */
  void publish(long epoch, Path tmp, Path target, Path parent) throws IOException {
    if (fs.exists(target)) {
      throw new CheckpointExistsException(epoch, target.toString());
    }
    if (local) {
      renameLocal(epoch, tmp, target);
    } else {
      try {
        fc.rename(tmp, target, Options.Rename.NONE);
      } catch (FileAlreadyExistsException e) {
        throw new CheckpointExistsException(epoch, target.toString());
      }
    }
    writer.syncLocalDir(parent);
  }

  /**
   * One rename(2) of the directory: Hadoop's local FileContext rename first runs a {@code stat}
   * process per path. The target was checked to be absent; a target that appeared since is not
   * empty (a published checkpoint) and the rename fails instead of replacing it.
   */
  private void renameLocal(long epoch, Path tmp, Path target) throws IOException {
    java.nio.file.Path to = Paths.get(fs.makeQualified(target).toUri());
    try {
      Files.move(Paths.get(fs.makeQualified(tmp).toUri()), to, StandardCopyOption.ATOMIC_MOVE);
    } catch (java.nio.file.FileSystemException e) {
      // rename(2) onto the published (non-empty) directory fails with ENOTEMPTY or EEXIST, which
      // the JDK reports as a plain FileSystemException ("Directory not empty")
      if (Files.exists(to)) {
        throw new CheckpointExistsException(epoch, target.toString());
      }
      throw e;
    }
  }

  /** Removes a failed commit's temporary directory; a failure to do so is added to {@code failure}. */
  void removeTemp(Path tmp, Throwable failure) {
    try {
      if (fs.exists(tmp) && !fs.delete(tmp, true) && fs.exists(tmp)) {
        throw new IOException(tmp + " could not be fully deleted; remove it by hand or with cleanTemporary()");
      }
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
      LOG.warn("could not remove temporary checkpoint directory {} after a failed commit", tmp, e);
    }
  }
}
