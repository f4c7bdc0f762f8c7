package io.epochal.driver.cli;

/** The exit codes of the {@code epochal} command. */
public final class ExitCodes {

  /** The command did what was asked. */
  public static final int OK = 0;
  /**
   * Training failed (after its retries), a verification found a damaged checkpoint, or {@code status}
   * found a job whose files cannot be read.
   */
  public static final int FAILED = 1;
  /**
   * Wrong usage or an invalid configuration (also a job directory this build must not continue):
   * nothing was started, trained or moved. Also a run whose executors cannot train the job ({@code
   * DEVICE_UNAVAILABLE}, {@code EXECUTORS_FAILING}, models that differ between executors): the job is marked FAILED
   * and its checkpoints are kept.
   */
  public static final int USAGE = 2;
  /** Another driver holds the job's lease; nothing was written. */
  public static final int LEASE_HELD = 3;
  /** The input data has a bad row (and {@code data.bad_rows=fail}). */
  public static final int BAD_INPUT = 4;
  /** The store could not be read or written (I/O failure, no valid checkpoint to resume). */
  public static final int IO_ERROR = 5;
  /** An unexpected internal error, or a feature missing from this build. */
  public static final int INTERNAL = 70;
  /**
   * The JVM ran out of memory: Spark's own exit code when one of its threads does, and the
   * command's when its own work does (outside training, which reports the job's state).
   */
  public static final int OUT_OF_MEMORY = 52;

  private ExitCodes() {}

  /** One line per code, for {@code --help}. */
  public static String[] describe() {
    return new String[] {
      "0   ok",
      "1   training or verification failed; status or resume --all found a job it cannot read",
      "2   usage or configuration error (nothing started, trained or moved); or executors that cannot train the job"
          + " (DEVICE_UNAVAILABLE, EXECUTORS_FAILING: the job is marked FAILED, its checkpoints kept)",
      "3   the job's lease is held by another driver",
      "4   bad input data (data.bad_rows=fail)",
      "5   the store could not be read or written",
      "70  internal error",
    };
  }
}
