package io.epochal.checkpoint;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Changes what the checkpoints directory publishes: the last step of a commit, the clean-up of a
 * failed one (and of stale ones), moving a damaged checkpoint aside, and deleting a published one.
 * Publishing renames the complete temporary directory (its manifest written last) to {@code
 * epoch-NNNNNN} with a rename that refuses an existing target, then syncs the parent directory on
 * the local file system; a failed commit's temporary directory is removed, and a failure to remove
 * it is attached to the commit's own failure rather than hiding it. Deleting removes the manifest
 * first and reports files that remain.
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
   * Renames {@code tmp} to {@code target} and syncs {@code parent}. Once the rename is done the
   * checkpoint is published: a failure to sync {@code parent} (local file system) is logged, not
   * thrown, since a commit that throws is one the caller reports as not committed and retries.
   *
   * @throws CheckpointExistsException if {@code target} exists, before or during the rename
   */
  void publish(long epoch, Path tmp, Path target, Path parent) throws IOException {
    if (fs.exists(target)) {
      throw new CheckpointExistsException(epoch, target.toString());
    }
    if (local) {
      renameLocal(epoch, tmp, target);
    } else if (fc != null) {
      try {
        fc.rename(tmp, target, Options.Rename.NONE);
      } catch (FileAlreadyExistsException e) {
        throw new CheckpointExistsException(epoch, target.toString());
      }
      // a FileContext that delegates to FileSystem.rename (an object store's connector) checks and renames in two
      // steps, and may move tmp into a directory that appeared between them; HDFS's rename is one NameNode
      // operation that refuses an existing target, so a commit there costs no further call
      if (!"hdfs".equals(fs.getScheme())) {
        refuseIfNested(epoch, tmp, target);
      }
    } else {
      renameWithoutContext(epoch, tmp, target);
    }
    try {
      writer.syncLocalDir(parent);
    } catch (IOException e) {
      LOG.warn("The checkpoint {} is published, but syncing its directory {} failed ({}): it is verified and "
          + "loaded like any other, but may not survive a power cut of this machine; check the disk",
          target, parent, e.toString());
    }
  }

  /**
   * A file system without a {@link FileContext} (a connector that ships only a {@link FileSystem}):
   * {@link FileSystem#rename} after the caller's check that {@code target} is absent. A rename onto a
   * directory that appeared since moves {@code tmp} into it on most file systems; that nested
   * directory is removed again and the commit refused, so the checkpoint there stays as it was.
   */
  private void renameWithoutContext(long epoch, Path tmp, Path target) throws IOException {
    boolean renamed = fs.rename(tmp, target);
    if (renamed) {
      refuseIfNested(epoch, tmp, target);
    } else {
      if (fs.exists(target)) {
        throw new CheckpointExistsException(epoch, target.toString());
      }
      throw new IOException("renaming " + tmp + " to " + target + " returned false; " + (fs.exists(tmp)
          ? "check that " + target.getParent() + " is writable"
          : tmp + " is gone (removed by another driver's clean-up of temporary directories?)"));
    }
  }

  /**
   * After a rename of {@code tmp} to {@code target} that went through: when it moved {@code tmp} into a
   * {@code target} directory that appeared since the caller's check, removes that nested directory again and
   * refuses the commit, so the checkpoint there stays as it was.
   */
  private void refuseIfNested(long epoch, Path tmp, Path target) throws IOException {
    Path nested = new Path(target, tmp.getName());
    if (!fs.exists(nested)) {
      return;
    }
    CheckpointExistsException exists = new CheckpointExistsException(epoch, target.toString());
    try {
      if (!fs.delete(nested, true) && fs.exists(nested)) {
        exists.addSuppressed(new IOException("could not remove " + nested + ", the refused commit's files moved "
            + "into the published checkpoint; delete that directory (the checkpoint's manifest does not list it)"));
      }
    } catch (IOException e) {
      exists.addSuppressed(e);
    }
    throw exists;
  }

  /**
   * One rename(2) of the directory: Hadoop's local FileContext rename first runs a {@code stat}
   * process per path. The target was checked to be absent; a target that appeared since is not
   * empty (a published checkpoint) and the rename fails instead of replacing it.
   */
  private void renameLocal(long epoch, Path tmp, Path target) throws IOException {
    java.nio.file.Path to = Locations.localFile(fs.makeQualified(target));
    try {
      Files.move(Locations.localFile(fs.makeQualified(tmp)), to, StandardCopyOption.ATOMIC_MOVE);
    } catch (java.nio.file.FileSystemException e) {
      // rename(2) onto the published (non-empty) directory fails with ENOTEMPTY or EEXIST, which
      // the JDK reports as a plain FileSystemException ("Directory not empty")
      if (Files.exists(to)) {
        throw new CheckpointExistsException(epoch, target.toString());
      }
      throw e;
    }
  }

  /**
   * Renames directory {@code from} to {@code to} in one step, or not at all. On the local file
   * system that is one rename(2): Hadoop's local rename falls back to copying the whole directory
   * when rename(2) fails (a directory made immutable, say), and when the copy's delete of the
   * source then fails too, leaves a full copy behind at every attempt.
   *
   * @return false if the file system's rename returned false (not on the local file system)
   * @throws IOException naming the cause when the rename fails
   */
  private boolean renameDir(Path from, Path to) throws IOException {
    if (!local) {
      return fs.rename(from, to);
    }
    Files.move(Locations.localFile(fs.makeQualified(from)), Locations.localFile(fs.makeQualified(to)),
        StandardCopyOption.ATOMIC_MOVE);
    return true;
  }

  /**
   * Deletes published checkpoint {@code dir}: renames it to {@code deleting} (from then on nobody
   * lists or loads it, and a deletion stopped at any later point leaves only a directory {@code
   * cleanTemporary} removes), then deletes its manifest, then its data; syncs the directories on the
   * local file system.
   *
   * @return false if it did not exist
   * @throws CheckpointException if it cannot be renamed (nothing is removed then), or if files
   *     remain in {@code deleting}
   */
  boolean unpublish(long epoch, Path dir, Path deleting, Path parent) throws CheckpointException {
    boolean unpublished = false;
    try {
      if (!fs.exists(dir)) {
        return false;
      }
      // unpublished at once: a deletion stopped after this leaves a directory cleanTemporary removes
      if (!renameDir(dir, deleting)) {
        throw new CheckpointException(epoch, dir.toString(), "cannot be deleted: renaming it to " + deleting.getName()
            + " returned false; nothing was removed");
      }
      unpublished = true;
      writer.syncLocalDir(parent);
      Path manifest = new Path(deleting, CheckpointManifest.FILE_NAME);
      boolean strayFile = fs.getFileStatus(deleting).isFile(); // no manifest under a file named as a checkpoint
      if (!strayFile && !deleteFully(manifest, false) || !deleteFully(deleting, true)) {
        throw new CheckpointException(epoch, dir.toString(), "was unpublished, but some of its files remain in "
            + deleting + ", which no reader reads; cleanTemporary() (run when a job starts) removes them, or remove "
            + "the directory by hand");
      }
      writer.syncLocalDir(parent);
      LOG.info("deleted checkpoint {}", dir); // named by its directory: an epoch's or a mid-epoch step's
      return true;
    } catch (CheckpointException e) {
      throw e;
    } catch (IOException e) {
      String error = e instanceof java.nio.file.FileSystemException ? e.getMessage() : e.toString();
      throw new CheckpointException(epoch, dir.toString(), unpublished
          ? "was unpublished (renamed to " + deleting + ", which no reader reads), but deleting it failed: " + error
              + "; cleanTemporary() (run when a job starts) removes what remains, or remove the directory by hand"
          : "cannot be deleted: " + error, e);
    }
  }

  /**
   * Renames published checkpoint {@code dir} to {@code to}, a name that readers of published
   * checkpoints do not list (see {@link CheckpointLayout#movedAsideDir}).
   */
  void moveAside(long epoch, Path dir, Path to) throws CheckpointException {
    try {
      if (!renameDir(dir, to)) {
        throw new CheckpointException(epoch, dir.toString(), "cannot be moved aside to " + to
            + ": the file system's rename returned false (does " + to.getName() + " exist?)");
      }
    } catch (CheckpointException e) {
      throw e;
    } catch (IOException e) {
      throw new CheckpointException(epoch, dir.toString(), "cannot be moved aside to " + to + ": " + e, e);
    }
    LOG.info("moved checkpoint {} aside to {}", dir, to);
  }

  /**
   * Removes stale temporary directories (of commits that died) and returns those removed. One that
   * cannot be removed does not keep the others: every failure is collected, named, and thrown at the end.
   */
  List<String> removeStale(List<Path> temps) throws CheckpointException {
    List<String> removed = new ArrayList<>();
    CheckpointException failed = null;
    for (Path tmp : temps) {
      try {
        if (removeStale(tmp)) {
          removed.add(tmp.toString());
        }
      } catch (CheckpointException e) {
        if (failed == null) {
          failed = e;
        } else {
          failed.addSuppressed(e);
        }
      }
    }
    if (failed != null) {
      throw failed;
    }
    return removed;
  }

  /**
   * Removes a stale temporary directory; false when it is gone before (its commit published it);
   * a failure names it. A commit's directory is first renamed to a deletion's: a driver that lost
   * its lease but passed its guard may still publish it, and exactly one of the two renames wins,
   * so that no directory is published half deleted (the local file system deletes file by file).
   */
  private boolean removeStale(Path tmp) throws CheckpointException {
    String name = tmp.getName();
    Path target = tmp;
    try {
      if (name.startsWith(CheckpointLayout.TMP_PREFIX)) {
        target = new Path(tmp.getParent(), CheckpointLayout.DELETING_PREFIX
            + name.substring(CheckpointLayout.TMP_PREFIX.length()));
        if (!renameAway(tmp, target)) {
          LOG.info("temporary checkpoint directory {} is gone: its commit published or removed it meanwhile", tmp);
          return false;
        }
      }
      if (!deleteFully(target, true)) {
        throw new IOException("some of its files could not be deleted");
      }
    } catch (IOException e) {
      String where = target.equals(tmp) ? tmp.toString() : tmp + " (renamed to " + target.getName() + ")";
      throw new CheckpointException(CheckpointException.UNKNOWN_EPOCH, where,
          "temporary directory cannot be removed: " + e + "; remove it by hand (no checkpoint is read from it)", e);
    }
    LOG.info("removed temporary checkpoint directory {}", tmp);
    return true;
  }

  /** Renames {@code from} to {@code to}: false when {@code from} is not there (any more). */
  private boolean renameAway(Path from, Path to) throws IOException {
    try {
      if (renameDir(from, to)) {
        return true;
      }
    } catch (java.nio.file.NoSuchFileException e) {
      return false;
    }
    if (!fs.exists(from)) {
      return false;
    }
    throw new IOException("renaming it to " + to.getName() + " returned false");
  }

  /**
   * Deletes {@code p}; whether it is gone. A delete that returns false may have removed part of a
   * directory, or found nothing to remove.
   */
  private boolean deleteFully(Path p, boolean recursive) throws IOException {
    return fs.delete(p, recursive) || !fs.exists(p);
  }

  /** Removes a failed commit's temporary directory; a failure to do so is added to {@code failure}. */
  void removeTemp(Path tmp, Throwable failure) {
    // a commit interrupted (a stop, a cancelled task) still removes what it wrote: some clients refuse
    // calls on an interrupted thread, so the flag is cleared for the deletion and set again after it
    boolean interrupted = Thread.interrupted();
    try {
      if (!deleteFully(tmp, true)) {
        throw new IOException(tmp + " could not be fully deleted; remove it by hand or with cleanTemporary()");
      }
    } catch (IOException | RuntimeException e) {
      failure.addSuppressed(e);
      // one line: the commit's own failure is reported with its cause; the trace only at debug level
      LOG.warn("could not remove temporary checkpoint directory {} after a failed commit (nothing reads it; "
          + "cleanTemporary, which a run calls when it starts, removes it): {}", tmp, e.toString());
      LOG.debug("could not remove temporary checkpoint directory {}", tmp, e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
