package io.epochal.driver.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.util.ShutdownHookManager;

/**
 * The temporary directory a launcher ({@code bin/epochal}, {@code bin/spark-submit-local}) gives
 * one run: {@code epochal-run-<pid>-<random>}, this JVM's {@code java.io.tmpdir}. Spark's local
 * directories, a {@code local-cluster}'s worker and executor directories and unpacked native
 * libraries go there. The JVM deletes it when it exits, normally or stopped by SIGINT/SIGTERM, in
 * the last hook of Hadoop's shutdown manager (after Spark's); after a SIGKILL, which runs no hook,
 * the next launch deletes it.
 */
final class RunDirectory {

  /** After every other hook of Hadoop's manager: Spark's, which delete its own directories, are done. */
  static final int SHUTDOWN_PRIORITY = 0;

  private RunDirectory() {
  }

  /**
   * {@code tmpdir} when it is the per-run directory of the process {@code pid}
   * ({@code epochal-run-<pid>-<random>}, or {@code epochal-run-<pid>} as earlier launchers named
   * it); empty for any other directory, which this JVM does not own.
   */
  static Optional<Path> ownedBy(long pid, String tmpdir) {
    if (tmpdir == null || tmpdir.isBlank()) {
      return Optional.empty();
    }
    Path dir = Path.of(tmpdir).toAbsolutePath().normalize();
    Path name = dir.getFileName();
    return name != null && io.epochal.driver.spark.LocalClusterSupport.runDirectoryPid(name.toString())
        .equals(java.util.OptionalLong.of(pid)) ? Optional.of(dir) : Optional.empty();
  }

  /**
   * Registers the deletion of this JVM's per-run directory at exit, when its {@code java.io.tmpdir}
   * is one; when it is another process's (a child driver of {@code resume --all} shares its
   * launcher's), records this JVM there as alive ({@link #liveMarker}) until it exits, so that a
   * later launch does not sweep it away while this JVM still uses it after its launcher was killed;
   * does nothing for any other directory (a tmpdir the user chose is never deleted).
   */
  static void deleteAtExit() {
    long pid = ProcessHandle.current().pid();
    String tmpdir = System.getProperty("java.io.tmpdir");
    Optional<Path> own = ownedBy(pid, tmpdir);
    if (own.isPresent()) {
      ShutdownHookManager.get().addShutdownHook(() -> delete(own.get()), SHUTDOWN_PRIORITY);
      return;
    }
    try {
      recordUse(pid, tmpdir).ifPresent(marker ->
          ShutdownHookManager.get().addShutdownHook(() -> marker.toFile().delete(), SHUTDOWN_PRIORITY));
    } catch (IOException e) {
      System.err.println("cannot record this driver in " + tmpdir + " (" + e.getMessage() + "): if the process "
          + "that started it is killed, the next bin/epochal may delete that directory while this one uses it");
    }
  }

  /**
   * Writes {@link #liveMarker} of process {@code pid} into {@code tmpdir} when that is the per-run
   * directory of another process, and returns it; empty for any other directory.
   */
  static Optional<Path> recordUse(long pid, String tmpdir) throws IOException {
    if (tmpdir == null || tmpdir.isBlank() || ownedBy(pid, tmpdir).isPresent()) {
      return Optional.empty();
    }
    Path dir = Path.of(tmpdir).toAbsolutePath().normalize();
    if (dir.getFileName() == null
        || io.epochal.driver.spark.LocalClusterSupport.runDirectoryPid(dir.getFileName().toString()).isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(Files.write(liveMarker(dir, pid), new byte[0]));
  }

  /**
   * The file {@code .live-<pid>} that records process {@code pid} as using run directory {@code dir}
   * of another process: {@code bin/lib/run-tmp.sh} keeps a directory while its own process or one
   * recorded so lives.
   */
  static Path liveMarker(Path dir, long pid) {
    return dir.resolve(".live-" + pid);
  }

  /**
   * Deletes {@code dir} and everything in it. Best effort: what cannot be deleted (a file an
   * executor that is still dying recreates) is left for the next launch, which deletes the
   * directories of runs whose process is gone.
   */
  static boolean delete(Path dir) {
    return FileUtil.fullyDelete(new File(dir.toString()));
  }
}
