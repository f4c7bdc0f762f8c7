package io.epochal.job;

import java.io.IOException;
import org.apache.hadoop.fs.Path;

/**
 * The caller's fencing token is no longer the job's current one (or its lease has expired): it
 * must stop without publishing anything. Names the job directory, the caller's token and the
 * newer holder.
 */
public class LeaseLostException extends IOException {

  private static final long serialVersionUID = 1L;

  private final long token;
  private final transient LeaseRecord newer;

  /**
   * Lost lease on {@code jobDir}: {@code token} is ours, {@code newer} the current record; without one (an expiry,
   * a lease that could not be read) the lease is not known to be another's, and the message says it could not be
   * confirmed.
   */
  public LeaseLostException(Path jobDir, long token, LeaseRecord newer, String detail) {
    super((newer == null ? "could not confirm the lease on job " : "lost the lease on job ") + jobDir
        + ": our fencing token is " + token
        + (newer == null ? "" : ", the job is now held by " + newer.getHolder() + " with token "
            + newer.getToken() + " (attempt " + newer.getAttempt() + ")")
        + "; " + detail);
    this.token = token;
    this.newer = newer;
  }

  /** Our (stale) token. */
  public long getToken() {
    return token;
  }

  /** The newer holder's record, or null if the loss was an expiry without a successor. */
  public LeaseRecord getNewer() {
    return newer;
  }
}
