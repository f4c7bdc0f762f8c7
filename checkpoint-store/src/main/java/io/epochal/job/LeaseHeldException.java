package io.epochal.job;

import org.apache.hadoop.fs.Path;

/** Another driver holds a live lease on the job; names it and when its lease expires. */
public class LeaseHeldException extends java.io.IOException {

  private static final long serialVersionUID = 1L;

  private final transient LeaseRecord current;

  /** The job in {@code jobDir} is leased by {@code current}. */
  public LeaseHeldException(Path jobDir, LeaseRecord current) {
    super("job " + jobDir + " is leased by " + current.getHolder() + " (attempt "
        + current.getAttempt() + ", fencing token " + current.getToken() + ", last heartbeat "
        + current.getHeartbeatAt() + "); the lease expires at " + current.getExpiresAt()
        + (current.holderGoneFromThisHost() ? ". That driver, a process of this host, no longer runs, so nothing"
            + " renews the lease: retry after the expiry (the next driver then takes the job over)."
            : " unless renewed. Stop that driver or retry after the expiry."));
    this.current = current;
  }

  /** The live lease that blocked the acquisition. */
  public LeaseRecord getCurrent() {
    return current;
  }
}
