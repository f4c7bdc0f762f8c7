package io.epochal.driver.chaos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A child JVM's temporary directory, created empty under this JVM's {@code java.io.tmpdir} and
 * deleted with everything in it once the child and the processes it started have ended.
 */
final class ScratchDirectory {

  private static final long EXIT_WAIT_SECONDS = 30;

  private final Path path;

  private ScratchDirectory(Path path) {
    this.path = path;
  }

  /** Creates a new, empty directory {@code epochal-child-*} under {@code java.io.tmpdir}. */
  static ScratchDirectory create() throws IOException {
    return new ScratchDirectory(Files.createTempDirectory("epochal-child-"));
  }

  /** The directory. */
  Path path() {
    return path;
  }

  /**
   * Waits (up to 30 s each) for {@code processes}, which may still write here while they die,
   * then deletes the directory. A process that outlives the wait leaves the directory in place,
   * with a warning naming it.
   */
  void deleteWhenGone(List<ProcessHandle> processes) {
    for (ProcessHandle p : processes) {
      try {
        p.onExit().get(EXIT_WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
        System.err.printf(Locale.ROOT,
            "chaos: warning: process %d of a child driver still runs %d s after the driver ended "
            + "or was killed; its temporary directory %s is left in place%n", p.pid(), EXIT_WAIT_SECONDS, path);
        return;
      }
    }
    delete();
  }

  /** Deletes the directory and everything in it; a failure is printed as a warning, not thrown. */
  void delete() {
    try {
      deleteTree(path);
    } catch (IOException | UncheckedIOException e) {
      System.err.printf(Locale.ROOT,
          "chaos: warning: could not delete the temporary directory %s of a child JVM: %s%n", path, e);
    }
  }

  /** Deletes {@code root} and everything in it; entries that vanish meanwhile are skipped. */
  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.deleteIfExists(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        if (e != null && !(e instanceof NoSuchFileException)) {
          throw e;
        }
        Files.deleteIfExists(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
