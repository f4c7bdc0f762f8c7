package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * A training failure with its reason and where it happened (epoch and round, 1-based; 0 when not
 * inside one). Its message says what failed and what to do.
 */
public class TrainingException extends Exception {

  private static final long serialVersionUID = 1L;

  private final FailureReason reason;
  private final int epoch;
  private final int round;

  /** A failure at {@code epoch}/{@code round} (1-based, 0 if not applicable). */
  public TrainingException(FailureReason reason, int epoch, int round, String message, Throwable cause) {
    super(message, cause);
    this.reason = checkNotNull(reason, "reason");
    this.epoch = epoch;
    this.round = round;
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
}
