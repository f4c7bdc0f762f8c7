package io.epochal.driver.cli;

import java.io.File;
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
   * is one; does nothing otherwise (a tmpdir the user chose is never deleted).
   */
  static void deleteAtExit() {
    ownedBy(ProcessHandle.current().pid(), System.getProperty("java.io.tmpdir")).ifPresent(dir ->
        ShutdownHookManager.get().addShutdownHook(() -> delete(dir), SHUTDOWN_PRIORITY));
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
