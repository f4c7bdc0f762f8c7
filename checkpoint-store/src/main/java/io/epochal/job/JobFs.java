package io.epochal.job;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.io.WriteAndClose;
import java.io.ByteArrayOutputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.UnsupportedFileSystemException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The few file primitives the job files need, with the atomicity each one promises.
 *
 * <ul>
 *   <li>{@link #createExclusive}: exactly one of several concurrent callers creates the file, and
 *       nobody ever sees it without its whole content: the content is written and synced into a
 *       temp file first, which is then published under the target name without overwriting. On
 *       HDFS that is {@code rename(NONE)} through {@link FileContext}, decided by the NameNode
 *       under its namespace lock; on the local file system a hard link ({@code link(2)} fails if
 *       the name exists; a rename would replace it), or, on a mount that makes none (vfat, exFAT),
 *       an exclusive create in place as on other file systems. A writer that dies before the publish
 *       leaves only a temp file, which no reader looks at. (Creating the target and then writing
 *       into it lets a writer that dies in between leave an empty file, which is what other file
 *       systems, whose renames may be non-atomic copies, still do: their exclusive create is
 *       atomic.)
 *   <li>{@link #replace}: a reader sees either the old or the new content, never a partial file:
 *       write a temp file in the same directory, sync it, and rename it over the target (an atomic
 *       move on the local file system, {@code rename(OVERWRITE)} through {@link FileContext} on
 *       HDFS).
 * </ul>
 *
 * <p>A checksummed local file system is unwrapped to the raw one, so files that are read while
 * being written (event logs) never trip over a half-written {@code .crc}.
 */
final class JobFs {

  private static final Logger LOG = LoggerFactory.getLogger(JobFs.class);

  private static final int READ_ATTEMPTS = 7;
  /** Wait before the second read attempt; doubled before each further one (3.15 s in all). */
  private static final long READ_BACKOFF_MS = 50;
  /** How long a replace keeps retrying while other writers recreate its target. */
  private static final long REPLACE_PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** A replace that collided waits a random 1 to 2^(n+1) ms before its n-th retry, at most 128 ms. */
  private static final int REPLACE_BACKOFF_SHIFT = 6;

  private final FileSystem fs;
  private final boolean local;
  /**
   * {@link #fs}'s file context, made on first use: each one of HDFS holds a client of its own, never
   * closed, so one per instance, not per rename (a lease's every renewal). Empty when the scheme has none.
   */
  private java.util.Optional<FileContext> fileContext;
  /** Makes a hard link on the local file system ({@link Files#createLink}). */
  private final Linker linker;

  /** How a hard link is made: {@code link} becomes a new name of {@code existing}. */
  @FunctionalInterface
  interface Linker {
    void link(java.nio.file.Path link, java.nio.file.Path existing) throws IOException;
  }

  JobFs(FileSystem fs) {
    this(fs, Files::createLink);
  }

  /** Job files on {@code fs}, hard links made by {@code linker} where the file system is local. */
  JobFs(FileSystem fs, Linker linker) {
    checkNotNull(fs, "fs");
    this.fs = fs instanceof LocalFileSystem ? ((LocalFileSystem) fs).getRaw() : fs;
    this.local = "file".equals(fs.getUri().getScheme());
    this.linker = checkNotNull(linker, "linker");
  }

  FileSystem fs() {
    return fs;
  }

  /** {@link #fs}'s file context, made once; empty when its scheme has no {@code AbstractFileSystem}. */
  private synchronized java.util.Optional<FileContext> fileContext() throws IOException {
    if (fileContext == null) {
      try {
        fileContext = java.util.Optional.of(FileContext.getFileContext(fs.getUri(), fs.getConf()));
      } catch (UnsupportedFileSystemException e) {
        fileContext = java.util.Optional.empty();
      }
    }
    return fileContext;
  }

  /** Creates {@code dir} and its parents; a file system that cannot says so, naming it. */
  private void mkdirs(Path dir) throws IOException {
    if (local) {
      // a new job directory's entry reaches the disk with its parent's: job.json in it is synced itself
      try {
        io.epochal.checkpoint.LocalDirectories.create(toLocal(dir), true);
      } catch (java.nio.file.FileSystemException e) {
        throw new IOException("cannot create directory " + dir + " (is it, or a parent, read-only or not a "
            + "directory?): " + e.getMessage(), e);
      }
    } else if (!fs.mkdirs(dir)) {
      throw new IOException("cannot create directory " + dir + " (is it, or a parent, read-only or not a "
          + "directory?)");
    }
  }

  /**
   * Creates {@code path} with {@code content} unless it exists; the file appears with its whole
   * content or not at all.
   *
   * @return true if this call created the file, false if it already existed
   */
  boolean createExclusive(Path path, byte[] content) throws IOException {
    Path dir = path.getParent();
    mkdirs(dir);
    if (!local && !"hdfs".equals(fs.getUri().getScheme())) {
      return createInPlace(path, content);
    }
    Path tmp = new Path(dir, "_tmp-" + path.getName() + "-" + UUID.randomUUID());
    try {
      if (local) {
        // Java's file API: Hadoop's local file system forks a chmod for every file it creates
        try {
          Files.write(toLocal(tmp), content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
              StandardOpenOption.SYNC);
        } catch (IOException e) {
          throw new IOException("cannot write " + path + ": " + e.getMessage(), e);
        }
        try {
          linker.link(toLocal(path), toLocal(tmp));
        } catch (FileAlreadyExistsException e) {
          return false;
        } catch (java.nio.file.FileSystemException | UnsupportedOperationException e) {
          // a mount without hard links (vfat, exFAT, some SMB and FUSE mounts): created in place, as on
          // other file systems (a writer stopped between the create and the write leaves an empty file); the copy
          // goes first, so that a nearly full disk need not hold the content twice
          removeQuietly(tmp);
          try {
            writeNewInPlace(toLocal(path), content);
          } catch (FileAlreadyExistsException exists) {
            return false;
          } catch (IOException inPlace) {
            inPlace.addSuppressed(e);
            throw new IOException("cannot create " + path + " (a hard link to its written copy failed too: "
                + e.getMessage() + "): " + inPlace.getMessage(), inPlace);
          }
          LOG.debug("created {} in place: its file system makes no hard link ({})", path, e.toString());
        }
        try { // the new entry survives a power cut only once its directory is synced
          syncLocalDir(dir);
        } catch (IOException e) { // created: said, not failed as a create that did not happen (a claim nobody owns)
          LOG.warn("{} is created, but syncing its directory failed ({}): a power cut may lose it", path,
              e.toString());
        }
        return true;
      }
      WriteAndClose.run(fs.create(tmp, false), out -> {
        out.write(content);
        out.hsync();
      });
      return renameNoOverwrite(tmp, path);
    } finally {
      removeQuietly(tmp);
    }
  }

  /**
   * Creates local file {@code target} (failing if it exists) and writes and syncs {@code content} into it; a write
   * that fails after the create removes the file this call created, so that no empty or partial file stays to be
   * read as a damaged one.
   */
  private static void writeNewInPlace(java.nio.file.Path target, byte[] content) throws IOException {
    java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(target, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE);
    try (ch) {
      java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(content);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    } catch (IOException | RuntimeException e) {
      try {
        Files.deleteIfExists(target);
      } catch (IOException removing) {
        e.addSuppressed(removing);
      }
      throw e;
    }
  }

  /**
   * Other file systems: their exclusive create is atomic (object stores decide it on the
   * service), their rename may be a copy and not; a writer killed between creating and writing
   * leaves an empty file, which the lease reads as a claim that expires.
   */
  private boolean createInPlace(Path path, byte[] content) throws IOException {
    FSDataOutputStream out;
    try {
      out = fs.create(path, false);
    } catch (IOException e) {
      if (fs.exists(path)) {
        return false;
      }
      throw e;
    }
    try {
      WriteAndClose.run(out, o -> {
        o.write(content);
        o.hsync();
      });
    } catch (IOException | RuntimeException e) {
      if (e instanceof FileAlreadyExistsException || e instanceof org.apache.hadoop.fs.FileAlreadyExistsException) {
        return false; // a store that decides the create as it closes the file (gs://): another writer's file won
      }
      removePartial(path, content, e);
      throw e;
    }
    return true;
  }

  /**
   * Removes {@code path} after its write of {@code content} failed ({@code failure}), when what is there is a part
   * of that content (empty, or cut short): this call's file, which no reader must find. A file of other content is
   * another writer's, whose create won on a store that decides creates as files close, and stays.
   */
  private void removePartial(Path path, byte[] content, Exception failure) {
    try {
      Optional<byte[]> there = readIfExists(path);
      if (there.isPresent() && there.get().length < content.length
          && java.util.Arrays.equals(there.get(), 0, there.get().length, content, 0, there.get().length)) {
        fs.delete(path, false);
      }
    } catch (IOException | RuntimeException removing) {
      failure.addSuppressed(removing);
    }
  }

  /** Deletes {@code tmp} if it is there; a failure only leaves a temp file no reader looks at. */
  private void removeQuietly(Path tmp) {
    try {
      if (local) {
        Files.deleteIfExists(toLocal(tmp));
      } else {
        fs.delete(tmp, false); // false when it is not there
      }
    } catch (IOException | RuntimeException e) {
      // one line: the write that failed is reported with its cause; the trace only at debug level
      LOG.warn("could not delete temporary file {} (a stale temporary file no reader looks at): {}", tmp, e.toString());
      LOG.debug("could not delete temporary file {}", tmp, e);
    }
  }

  /** Renames {@code tmp} to {@code target} unless {@code target} exists; false if it does. */
  private boolean renameNoOverwrite(Path tmp, Path target) throws IOException {
    FileContext fc = fileContext().orElse(null);
    if (fc == null) {
      // FileSystem.rename never replaces an existing file
      if (fs.rename(tmp, target)) {
        return true;
      }
      if (fs.exists(target)) {
        return false;
      }
      throw new IOException("could not rename " + tmp + " to " + target + "; check that " + target.getParent()
          + " is writable");
    }
    try {
      fc.rename(fs.makeQualified(tmp), fs.makeQualified(target), Options.Rename.NONE);
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      if (fs.exists(target)) {
        return false; // some file systems report a refused rename as a plain IOException
      }
      throw e;
    }
  }

  private void syncLocalDir(Path dir) throws IOException {
    io.epochal.checkpoint.LocalDirectories.fsync(toLocal(dir));
  }

  /** Atomically replaces (or creates) {@code target} with {@code content}. */
  void replace(Path target, byte[] content) throws IOException {
    Path dir = target.getParent();
    mkdirs(dir);
    Path tmp = new Path(dir, "_tmp-" + target.getName() + "-" + UUID.randomUUID());
    try {
      try {
        if (local) {
          // Java's file API: Hadoop's local file system turns a full disk into an FSError, an Error
          Files.write(toLocal(tmp), content, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
              StandardOpenOption.SYNC);
        } else {
          WriteAndClose.run(fs.create(tmp, false), out -> {
            out.write(content);
            out.hsync();
          });
        }
      } catch (IOException e) {
        // named by the file it replaces, not by its temporary file
        throw new IOException("cannot write " + target + ": " + e.getMessage(), e);
      }
      if (local) {
        Files.move(toLocal(tmp), toLocal(target), StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
        try { // the new entry survives a power cut only once its directory is synced
          syncLocalDir(dir);
        } catch (IOException e) { // the file is replaced: said, not failed as a write that did not happen
          LOG.warn("{} is replaced, but syncing its directory failed ({}): a power cut may bring the old one back",
              target, e.toString());
        }
      } else {
        renameOverwrite(tmp, target);
      }
    } finally {
      // quietly: a failure here must neither hide the write's own failure nor fail a replace that happened
      removeQuietly(tmp); // nothing to delete when the rename moved it
    }
  }

  private void renameOverwrite(Path tmp, Path target) throws IOException {
    FileContext fc = fileContext().orElse(null);
    // Where an overwriting rename is a delete and a rename (object stores, file systems served
    // through DelegateToFileSystem, or this loop where no AbstractFileSystem is registered), a
    // concurrent replace can recreate the target between the two: the rename then fails, and the
    // next try replaces that file. A reader may briefly find no file; every reader of these files
    // treats "missing" as "not written yet". The wait before a retry is random and grows, so two
    // writers that keep colliding fall out of step; the caller's write always lands last.
    long deadline = System.nanoTime() + REPLACE_PATIENCE_NANOS;
    for (int attempt = 1; ; attempt++) {
      IOException collision;
      if (fc != null) {
        try {
          fc.rename(fs.makeQualified(tmp), fs.makeQualified(target), Options.Rename.OVERWRITE);
          return;
        } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
          collision = e;
        }
      } else {
        fs.delete(target, false);
        if (fs.rename(tmp, target)) {
          return;
        }
        if (!fs.exists(target)) {
          throw new IOException("could not rename " + tmp + " to " + target + "; check that " + target.getParent()
              + " is writable");
        }
        collision = null;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IOException("could not replace " + target + ": another writer recreated it on each of " + attempt
            + " attempts in " + TimeUnit.NANOSECONDS.toSeconds(REPLACE_PATIENCE_NANOS) + " s; check that no other "
            + "driver runs this job ('epochal status " + target.getParent() + "'), then run the command again",
            collision);
      }
      backOff(target, ThreadLocalRandom.current().nextLong(1, 2L << Math.min(attempt, REPLACE_BACKOFF_SHIFT)));
    }
  }

  /**
   * The whole content of {@code path}, or empty if it does not exist. A file that cannot be read is
   * opened and read again, up to {@value #READ_ATTEMPTS} times in all with a doubling wait from
   * {@value #READ_BACKOFF_MS} ms: on HDFS a file replaced while it is read loses its block under
   * the open stream, and a file just completed can have no live replica to read from until its
   * DataNode reports the block (a {@code BlockMissingException} while the writer's close waits for
   * that report, which has taken over 750 ms on a loaded machine).
   */
  Optional<byte[]> readIfExists(Path path) throws IOException {
    IOException failure = null;
    for (int attempt = 1; attempt <= READ_ATTEMPTS; attempt++) {
      if (attempt > 1) {
        backOff(path, READ_BACKOFF_MS << (attempt - 2));
      }
      try (InputStream in = fs.open(path)) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        in.transferTo(buf);
        return Optional.of(buf.toByteArray());
      } catch (FileNotFoundException e) {
        if (String.valueOf(e.getMessage()).contains("Permission denied")) {
          throw unreadable(path, e); // the local file system's open says so this way: the file is there
        }
        return Optional.empty();
      } catch (IOException e) {
        if (e.getClass().getSimpleName().equals("AccessControlException")) {
          throw unreadable(path, e); // HDFS: not worth a retry
        }
        if (failure == null) {
          failure = new IOException("cannot read " + path + " (" + READ_ATTEMPTS + " attempts; is the file "
              + "system reachable?): " + e.getMessage(), e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    throw failure;
  }

  /** A job file that is there but may not be read: said as such, never as absent. */
  private static IOException unreadable(Path path, IOException cause) {
    return new java.nio.file.AccessDeniedException(path.toString(), null, "cannot be read: permission denied ("
        + cause.getMessage() + "); make it readable by the user running epochal");
  }

  private static void backOff(Path path, long millis) throws IOException {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while waiting to access " + path + " again");
    }
  }

  private java.nio.file.Path toLocal(Path path) {
    return io.epochal.checkpoint.Locations.localFile(fs.makeQualified(path));
  }
}
