package io.epochal.driver.cli;

import static com.google.common.base.Preconditions.checkNotNull;

import java.io.PrintStream;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The exit code of a driver that Spark's standalone master supervises ({@code spark-submit --master
 * spark://... --deploy-mode cluster --supervise}). Its worker starts such a driver again after
 * every exit code but 0, without limit, one second after a run longer than five seconds: what
 * brings back a driver that died (a killed JVM, a lost host) also restarts, forever, one that
 * failed in a way every new start repeats (bad input, a configuration error, a checkpoint that
 * does not reproduce, a disk that stays full), each start loading the data and recording another
 * failed run in the job's history. Such a failure therefore ends a supervised driver with exit
 * code 0, after saying so; the job's own state keeps the failure ({@code epochal status}), and a
 * failure a new start can outlive (storage that comes back, executors lost, a signal) keeps its
 * code, so that the supervisor restarts it. YARN's application attempts and Kubernetes' restart
 * policies are bounded by their own settings and are left alone.
 */
public final class SupervisedExit {

  /** Set by a training run whose failure a new start of the driver would repeat. */
  private static final AtomicBoolean REPEATS = new AtomicBoolean();

  /**
   * The environment variable that names a file the command creates when it fails in a way a new start repeats
   * (what a supervised driver ends 0 for): {@code resume --all} sets it for each job's resume, to tell whether a
   * supervisor's restart of the whole run would repeat its failures.
   */
  public static final String REPEATS_FILE = "EPOCHAL_REPEATS_FILE";

  private SupervisedExit() {}

  /**
   * Notes that the run failed in a way a new start of the driver repeats until someone acts (a
   * failure the run did not retry for that reason), for {@link #exitCode}.
   */
  public static void failureRepeatsOnRestart() {
    REPEATS.set(true);
  }

  /**
   * Whether the driver runs under a supervisor that restarts every nonzero exit: the {@code
   * spark.*} system properties spark-submit passes say a standalone master ({@code spark://}), the
   * cluster deploy mode and {@code --supervise}.
   */
  static boolean supervised(Properties system) {
    checkNotNull(system, "system");
    return "true".equalsIgnoreCase(system.getProperty("spark.driver.supervise", "").trim())
        && "cluster".equals(system.getProperty("spark.submit.deployMode", "").trim())
        && system.getProperty("spark.master", "").trim().startsWith("spark://");
  }

  /**
   * Whether a command that exited with {@code code} would fail the same way on a new start: a
   * usage or configuration error, bad input, a lease another driver holds, or a failure {@code
   * repeats} says is one (noted by {@link #failureRepeatsOnRestart}): a training failure (exit 1),
   * storage that refuses the job's writes until someone acts (exit 5: no permission, a quota, a full
   * or read-only file system), an internal error (exit 70), a {@code resume --all} whose every failed
   * job failed so (exit 1).
   */
  static boolean repeatsOnRestart(int code, boolean repeats) {
    return code == ExitCodes.USAGE || code == ExitCodes.BAD_INPUT || code == ExitCodes.LEASE_HELD
        || (code == ExitCodes.FAILED || code == ExitCodes.IO_ERROR || code == ExitCodes.INTERNAL) && repeats;
  }

  /**
   * Creates the file {@code env}'s {@link #REPEATS_FILE} names, when it names one and a command that exited with
   * {@code code} failed in a way a new start repeats. A file that cannot be created is said on {@code err}: the
   * parent then counts the failure as one a new run may outlive.
   */
  static void tellParent(int code, java.util.Map<String, String> env, PrintStream err) {
    tellParent(code, REPEATS.get(), env, err);
  }

  static void tellParent(int code, boolean repeats, java.util.Map<String, String> env, PrintStream err) {
    String file = env.get(REPEATS_FILE);
    if (file == null || file.isBlank() || code == ExitCodes.OK || !repeatsOnRestart(code, repeats)) {
      return;
    }
    java.nio.file.Path dir = java.nio.file.Path.of(file).toAbsolutePath().getParent();
    if (dir == null || !java.nio.file.Files.isDirectory(dir)) {
      return; // a driver a template started on another host, or after its resume --all ended: no parent to tell
    }
    try {
      java.nio.file.Files.write(java.nio.file.Path.of(file), new byte[0]);
    } catch (java.io.IOException | RuntimeException e) {
      err.println("epochal: cannot create " + file + " (" + e + "), which tells resume --all this failure repeats");
    }
  }

  /**
   * The code the JVM exits with for a command that returned {@code code}: 0 instead when the driver
   * is {@link #supervised} and a new start would fail the same way (said on {@code err}, naming the
   * code it replaces), otherwise {@code code}.
   */
  static int exitCode(int code, Properties system, PrintStream err) {
    return exitCode(code, REPEATS.get(), system, err);
  }

  static int exitCode(int code, boolean repeats, Properties system, PrintStream err) {
    if (code == ExitCodes.OK || !supervised(system) || !repeatsOnRestart(code, repeats)) {
      return code;
    }
    err.println("epochal: exiting with code 0, not " + code + ": this driver runs under spark-submit --supervise on a "
        + "standalone master, which starts it again after any other code, without limit, and every new start "
        + (code == ExitCodes.LEASE_HELD ? "finds the job held by the driver that runs it (epochal status <job.dir> "
        + "names it)" : "would fail the same way until the cause above is fixed. Fix it and submit the job again: "
        + "committed checkpoints are kept, and epochal status <job.dir> shows how its last run ended"));
    err.flush();
    return ExitCodes.OK;
  }
}
