package io.epochal.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Durable directories on the local file system. A new file or directory survives a power cut only
 * once the directory holding its entry is fsynced, and that directory only once its own entry is:
 * a job directory and its {@code checkpoints} directory created at the first commit are made
 * durable up to the first directory that already existed.
 */
public final class LocalDirectories {

  /**
   * Told of every path fsynced, after the fsync: for tests, which cannot see a sync otherwise (or
   * make one fail, as a disk's I/O error does).
   */
  static volatile Synced fsynced = p -> { };

  /** A test's view of an fsync. */
  @FunctionalInterface
  interface Synced {
    void accept(Path p) throws IOException;
  }

  private LocalDirectories() {}

  /**
   * Creates {@code dir} and its missing parents, then fsyncs the parent of every directory it
   * created, {@code dir}'s own parent only if {@code syncOwnEntry} (a caller that publishes
   * {@code dir} by a rename syncs that parent itself).
   *
   * @throws IOException if a directory cannot be created or synced
   */
  public static void create(Path dir, boolean syncOwnEntry) throws IOException {
    Path absolute = dir.toAbsolutePath();
    Path firstMissing = null;
    for (Path p = absolute; p != null && !Files.exists(p); p = p.getParent()) {
      firstMissing = p;
    }
    Files.createDirectories(absolute);
    if (firstMissing == null) {
      return;
    }
    for (Path p = syncOwnEntry ? absolute : absolute.getParent(); p != null; p = p.getParent()) {
      if (p.getNameCount() < firstMissing.getNameCount()) {
        break;
      }
      fsync(p.getParent());
    }
  }

  /** Fsyncs directory (or file) {@code p}: its entries, for a directory. */
  public static void fsync(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      ch.force(true);
    }
    fsynced.accept(p);
  }
}
