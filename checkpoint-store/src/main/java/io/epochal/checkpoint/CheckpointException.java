package io.epochal.checkpoint;

import java.io.IOException;

/**
 * A checkpoint could not be written, read or verified. The message names the epoch (when known)
 * and the file or directory involved.
 */
public class CheckpointException extends IOException {

  private static final long serialVersionUID = 1L;

  /** Epoch value used when the epoch is not known. */
  public static final long UNKNOWN_EPOCH = -1;

  private final long epoch;
  private final String path;
  private final String detail;

  /** A failure about {@code path} of {@code epoch} (or {@link #UNKNOWN_EPOCH}). */
  public CheckpointException(long epoch, String path, String message) {
    super(describe(epoch, path, message));
    this.epoch = epoch;
    this.path = path;
    this.detail = message;
  }

  /** A failure about {@code path} of {@code epoch}, caused by {@code cause}. */
  public CheckpointException(long epoch, String path, String message, Throwable cause) {
    super(describe(epoch, path, message), cause);
    this.epoch = epoch;
    this.path = path;
    this.detail = message;
  }

  private static String describe(long epoch, String path, String message) {
    String where = epoch == UNKNOWN_EPOCH ? "checkpoint" : CheckpointSeries.of(path) == CheckpointSeries.STEPS
        ? "mid-epoch checkpoint of step " + epoch : "checkpoint of epoch " + epoch;
    return where + " (" + Locations.text(path) + "): " + message;
  }

  /** The epoch, or {@link #UNKNOWN_EPOCH}. */
  public long epoch() {
    return epoch;
  }

  /** The file or directory involved. */
  public String path() {
    return path;
  }

  /** What went wrong, without the epoch and path the message starts with. */
  public String detail() {
    return detail;
  }
}
