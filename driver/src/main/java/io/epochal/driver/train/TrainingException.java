package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * A training failure with its reason and where it happened (epoch and round, 1-based; 0 when not
 * inside one). Its message says what failed and what to do, without the stack traces a cause's
 * message may hold ({@link FailureClassifier#withoutStackFrames}).
 */
public class TrainingException extends Exception {

  private static final long serialVersionUID = 1L;

  private final FailureReason reason;
  private final int epoch;
  private final int round;
  private final boolean reportedByStop;

  /** A failure at {@code epoch}/{@code round} (1-based, 0 if not applicable). */
  public TrainingException(FailureReason reason, int epoch, int round, String message, Throwable cause) {
    this(reason, epoch, round, message, cause, false);
  }

  TrainingException(FailureReason reason, int epoch, int round, String message, Throwable cause,
      boolean reportedByStop) {
    super(FailureClassifier.withoutStackFrames(message), cause);
    this.reason = checkNotNull(reason, "reason");
    this.epoch = epoch;
    this.round = round;
    this.reportedByStop = reportedByStop;
  }

  /** The reason. */
  public FailureReason reason() {
    return reason;
  }

  /** 1-based epoch, 0 if not inside an epoch. */
  public int epoch() {
    return epoch;
  }

  /** 1-based round, 0 if not inside a round. */
  public int round() {
    return round;
  }

  /**
   * Whether the stop of the driver's JVM that ended the run has already told the user how the job
   * ended and the command that continues it ({@link TrainingListener#stopped}): a report of this
   * failure would only repeat it.
   */
  public boolean reportedByStop() {
    return reportedByStop;
  }
}
