package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.config.JobSpec;
import io.epochal.job.JobEventType;
import io.epochal.job.JobState;
import io.epochal.job.JobStateStore;
import io.epochal.job.JobStatus;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.hadoop.fs.Path;

/**
 * How the driver that owns a job leaves it in {@code state.json}: COMPLETED, FAILED, COMPLETED
 * again after a refused amendment, or given up when its JVM shuts down ({@link ShutdownStop}).
 * Every mark is written only while this driver still holds the lease: a job another driver took
 * over is that driver's to mark, and a paused driver that comes back must not mark FAILED a job
 * another driver is completing.
 *
 * <p>It locks the monitor it is given, its job directory's, as the {@link LeaseKeeper} does: a
 * check of the lease and the state change that follows it are never separated by a release, a
 * renewal or another mark.
 */
final class JobOutcome {

  private final Object lock;
  private final Path dir;
  private final LeaseKeeper lease;
  private final JobStateStore states;
  private final TrainingListener listener;
  /** This driver's attempt, once it took the lease (guarded by lock). */
  private int attempt;
  /** The job was marked COMPLETED or FAILED by this driver (guarded by lock). */
  private boolean finished;
  /** {@link #completed} tried to write COMPLETED before (guarded by lock): a retry reads state.json first. */
  private boolean markTried;
  /** The JVM began to shut down while this driver owned the job. */
  private volatile boolean shuttingDown;
  /** The shutdown hook gave the job up: it marked it FAILED (INTERRUPTED) or released the lease. */
  private volatile boolean gaveUp;
  /** The stop found another driver holding the job (guarded by lock). */
  private boolean heldByAnother;
  /** The reason the shutdown hook recorded the stop under. */
  private volatile FailureReason stoppedAs = FailureReason.INTERRUPTED;
  /** The epoch the job ends at: its train.epochs, or the one it stopped early at. */
  private volatile int epochs;

  JobOutcome(Object lock, JobSpec spec, Path dir, LeaseKeeper lease, JobStateStore states,
      TrainingListener listener) {
    this.lock = checkNotNull(lock, "lock");
    this.dir = checkNotNull(dir, "dir");
    this.lease = checkNotNull(lease, "lease");
    this.states = checkNotNull(states, "states");
    this.listener = checkNotNull(listener, "listener");
    this.epochs = checkNotNull(spec, "spec").epochs();
  }

  /** The job ends at epoch {@code last} instead of its train.epochs: it stopped early there ({@link EarlyStopping}). */
  void endsAt(int last) {
    epochs = last;
  }

  /** The epoch the job ends at. */
  int epochs() {
    return epochs;
  }

  /** The attempt this driver's marks are written under, once it took the lease. */
  void begin(int attempt) {
    synchronized (lock) {
      this.attempt = attempt;
    }
  }

  /** The JVM shuts down: from now on the shutdown hook, not the training thread, marks the job. */
  void shutDown() {
    shuttingDown = true;
  }

  /** Whether the JVM began to shut down while this driver owned the job: training must not retry. */
  boolean shuttingDown() {
    return shuttingDown;
  }

  /** The reason the shutdown hook marked the job FAILED under (INTERRUPTED until it ran). */
  FailureReason stoppedAs() {
    return stoppedAs;
  }

  /** Whether the shutdown hook gave the job up (marked it FAILED as INTERRUPTED, or released its lease). */
  boolean gaveUp() {
    return gaveUp;
  }

  /**
   * The state change of a stop: unless the job already finished or another driver holds it, marks
   * it FAILED under {@code reason} (COMPLETED when its final checkpoint is published: {@code
   * committed}, read under the lock, reaches the job's epochs), records the stop in {@code history}
   * (if open) and releases the lease, each step tried even if the one before it failed.
   *
   * @return what was done, or empty when the job was not this driver's to change
   */
  /** Whether {@link #recordStop} found the job another driver's: it marked nothing, and that driver continues it. */
  boolean heldByAnother() {
    synchronized (lock) {
      return heldByAnother;
    }
  }

  Optional<StopRecord> recordStop(FailureReason reason, String why, JobDirectory.Position at, LongSupplier committed,
      Supplier<AttemptHistory> history) {
    synchronized (lock) {
      stoppedAs = reason;
      if (finished) {
        return Optional.empty();
      }
      List<String> problems = new ArrayList<>();
      try {
        if (!lease.stillHolder()) {
          heldByAnother = true;
          return Optional.empty();
        }
      } catch (IOException | RuntimeException e) {
        problems.add("cannot read the lease: " + e);
      }
      boolean done = committed.getAsLong() >= epochs; // its final checkpoint published
      try {
        if (done) {
          states.transition(JobState.COMPLETED, attempt, "stopped after its final checkpoint was published");
          finished = true;
        } else {
          states.transition(JobState.FAILED, attempt, reason + ": " + why);
        }
        gaveUp = true;
      } catch (IOException | RuntimeException e) {
        problems.add("cannot mark it " + (done ? "COMPLETED" : "FAILED") + ": " + e);
      }
      AttemptHistory h = history.get();
      try {
        if (h != null) {
          h.appendOrThrow(done ? h.event(JobEventType.COMPLETED, Instant.now()).optEpoch(epochs)
              .optMessage("all " + epochs + " epochs done; " + why).build()
              : h.event(JobEventType.FAILURE, Instant.now()).optEpoch(at.epoch()).optRound(at.round())
              .optReason(reason.name()).optMessage(why).build());
        }
      } catch (IOException | RuntimeException e) {
        problems.add("cannot record the stop in its history: " + e);
      }
      try {
        lease.release();
        gaveUp = true;
      } catch (IOException | RuntimeException e) {
        problems.add("cannot release its lease (it expires by itself after lease.ttl_ms): " + e);
      }
      return Optional.of(new StopRecord(done, List.copyOf(problems)));
    }
  }

  /** What a stop did: whether it marked the job COMPLETED (else FAILED), and the steps that failed. */
  record StopRecord(boolean completed, List<String> problems) {}

  /** Marks the job FAILED with {@code e}'s reason, unless the JVM shuts down or another driver holds the lease. */
  void failed(TrainingException e) throws IOException {
    synchronized (lock) {
      if (mayMark("FAILED", e)) {
        finished = true;
        if (states.read().map(s -> s.getState() == JobState.FAILED).orElse(false)) {
          // a driver that lost the lease marked it so after this one took it over, as completed() says: this
          // driver's failure, the newest, is the one to record
          states.transition(JobState.RUNNING, attempt, "taken back by the driver holding the lease");
        }
        states.transition(JobState.FAILED, attempt, e.reason() + ": " + e.getMessage());
      }
    }
  }

  /**
   * Marks a job that was COMPLETED before this run, and reopened only to be amended (more epochs),
   * COMPLETED again after the run refused the amendment before changing anything: job.json and the
   * checkpoints are as they were, so the job is as finished as it was. The refusal is in the
   * attempt's events and in the state's reason. Like {@link #failed}, only while holding the lease.
   */
  void amendmentRefused(TrainingException e) throws IOException {
    synchronized (lock) {
      if (mayMark("COMPLETED again", e)) {
        finished = true;
        states.transition(JobState.COMPLETED, attempt, "completed; the amendment of attempt " + attempt
            + " was refused and job.json is unchanged (" + e.reason() + ": " + e.getMessage() + ")");
      }
    }
  }

  /**
   * Marks a job that was COMPLETED before this run, and reopened by it, COMPLETED again after the
   * run failed before changing anything ({@code cause}: the attempt's history could not be opened,
   * or job.json could not be rewritten): left RUNNING, status would call the finished job LOST.
   * Like {@link #failed}, only while holding the lease.
   */
  void reopenFailed(Exception cause) throws IOException {
    synchronized (lock) {
      if (mayMark("COMPLETED again", null)) {
        finished = true;
        states.transition(JobState.COMPLETED, attempt, "completed; attempt " + attempt + " reopened it and failed "
            + "before changing it (" + cause.getMessage() + ")");
      }
    }
  }

  /**
   * Marks the job COMPLETED, unless the JVM shuts down (the shutdown hook then owns the end of this
   * run; every epoch is committed, so a resume completes it) or another driver took the lease over
   * since this one's last commit (a driver paused past its lease's expiry): the job is then that
   * driver's to mark, which finds every epoch committed.
   *
   * @return whether it was marked
   */
  boolean completed() throws IOException {
    synchronized (lock) {
      if (shuttingDown) {
        return false;
      }
      if (!lease.stillHolder()) {
        listener.warning("not marking " + dir + " COMPLETED: another driver holds its lease now (every epoch is "
            + "committed; that driver marks the job)");
        return false;
      }
      if (!markTried || !markedCompleted()) { // a retried mark: the failed try's write may have taken effect
        markTried = true;
        if (states.read().map(s -> s.getState() == JobState.FAILED).orElse(false)) {
          // a driver whose lease ran out marked the job FAILED after this one took it over (its check and its
          // write are not one step): the job is this driver's, which holds the newest token
          listener.warning("job " + dir + " reads FAILED although this driver holds its lease: a driver that had "
              + "lost it marked it so; marking it COMPLETED, every epoch being committed");
          states.transition(JobState.RUNNING, attempt, "taken back by the driver holding the lease");
        }
        states.transition(JobState.COMPLETED, attempt, "completed");
      }
      finished = true;
      return true;
    }
  }

  /** Whether state.json says this attempt marked the job COMPLETED. */
  private boolean markedCompleted() throws IOException {
    Optional<JobStatus> now = states.read();
    return now.isPresent() && now.get().getState() == JobState.COMPLETED && now.get().getAttempt() == attempt;
  }

  private boolean mayMark(String as, TrainingException e) throws IOException {
    if (shuttingDown) {
      return false; // the shutdown hook records how this run ended
    }
    if ((e != null && e.reason() == FailureReason.LEASE_LOST) || !lease.stillHolder()) {
      listener.warning("not marking " + dir + " " + as + ": another driver holds its lease now");
      return false;
    }
    return true;
  }
}
