package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.CommitGuard;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.driver.config.JobSpec;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventLog;
import io.epochal.job.JobEventType;
import io.epochal.job.JobLease;
import io.epochal.job.JobState;
import io.epochal.job.JobStateStore;
import io.epochal.job.JobStatus;
import io.epochal.job.LeaseRecord;
import io.epochal.params.ValueChange;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.util.ShutdownHookManager;

/**
 * A job directory as one driver sees it while it owns the job: {@code job.json} ({@link
 * JobSpecFile}), the lease and its fencing token ({@link LeaseKeeper}, on this directory's
 * monitor), the state file, this attempt's event log and the checkpoint store; and the state
 * change of a driver whose JVM shuts down ({@link ShutdownStop} runs the stop).
 */
final class JobDirectory implements AutoCloseable {

  /**
   * Before Spark's shutdown hooks (registered at the file systems' priority + 30) stop the
   * SparkContext, and before the file systems are closed.
   */
  private static final int SHUTDOWN_PRIORITY = FileSystem.SHUTDOWN_HOOK_PRIORITY + 40;
  private static final long SHUTDOWN_TIMEOUT_SECONDS = ShutdownStop.COMMIT_WAIT.toSeconds() + 10;

  private final Path dir;
  private final FileSystem fs;
  private final JobSpec spec;
  private final LeaseKeeper lease;
  private final JobStateStore states;
  private final JobEventLog events;
  private final CheckpointStore store;
  private final TrainingListener listener;
  /** job.json, written once or amended by this run. */
  private final JobSpecFile specFile;
  /** This attempt's history, once {@link #start} took the lease. */
  private volatile AttemptHistory history;
  private int attempt;
  private volatile ShutdownStop shutdownHook;
  /** The JVM began to shut down while this driver owned the job. */
  private volatile boolean shuttingDown;
  /** The shutdown hook gave the job up: it marked it FAILED (INTERRUPTED) or released the lease. */
  private volatile boolean gaveUp;
  /** The reason the shutdown hook recorded the stop under. */
  private volatile FailureReason stoppedAs = FailureReason.INTERRUPTED;
  /** The epoch and round the training thread last began (0, 0 before the first), for a stop's record. */
  private volatile Position position = new Position(0, 0);
  /** The job was marked COMPLETED or FAILED by this driver (guarded by this). */
  private boolean finished;
  private volatile long committed; // the newest epoch committed or resumed from, as this driver knows it
  /** The commits in flight, which a stop lets publish. */
  private final CommitDrain commits = new CommitDrain();
  /** Whether the heap ran nearly full since this directory was opened (the job's run). */
  private final HeapWatch.Mark heap = HeapWatch.mark();

  private JobDirectory(JobSpec spec, FileSystem fs, Path dir, CheckpointStore store, TrainingListener listener,
      io.epochal.job.JobSpec amendedFrom) {
    this.spec = spec;
    this.specFile = new JobSpecFile(fs, dir, spec, amendedFrom);
    this.fs = fs;
    this.dir = dir;
    this.store = store;
    this.listener = listener;
    this.lease = new LeaseKeeper(JobLease.builder().setFileSystem(fs).setJobDir(dir)
        .optTtl(Duration.ofMillis(spec.leaseTtlMs())).build(), dir, Duration.ofMillis(spec.leaseTtlMs()), this,
        StallWatch.of(listener));
    this.states = new JobStateStore(fs, dir);
    this.events = new JobEventLog(fs, dir);
  }

  /**
   * Opens the job directory of {@code spec}; {@code amendedFrom} is the stored spec that {@code
   * spec} replaces because the directory or its data moved, or null.
   */
  static JobDirectory open(JobSpec spec, Configuration conf, TrainingListener listener,
      io.epochal.job.JobSpec amendedFrom) throws IOException {
    Path dir = new Path(spec.jobDir());
    FileSystem fs = dir.getFileSystem(conf);
    CheckpointStore store = HadoopCheckpointStore.builder()
        .setJobDir(dir.toString()).optConfiguration(conf).build();
    return new JobDirectory(spec, fs, dir, store, checkNotNull(listener, "listener"), amendedFrom);
  }

  /**
   * Writes {@code job.json} once (refusing a different spec), takes the lease, marks the job
   * RUNNING and opens this attempt's event log.
   */
  void start(String reopenReason) throws IOException {
    specFile.writeOnce(lease); // or checks the job.json an amendment will replace
    Optional<JobStatus> previous = states.read();
    // the event files count too: a job whose state.json was lost still has its attempts' histories
    attempt = Math.max(previous.map(JobStatus::getAttempt).orElse(0), events.highestAttempt()) + 1;
    Optional<LeaseRecord> before = lease.current();
    LeaseRecord record = lease.acquire(attempt);
    boolean running = false;
    try {
      if (reopenReason != null && previous.isPresent() && previous.get().getState() == JobState.COMPLETED) {
        states.reopen(attempt, reopenReason);
      } else {
        states.transition(JobState.RUNNING, attempt, previous.isPresent() ? "resumed"
            : attempt > 1 ? "resumed (state.json was missing)" : "started");
        running = true;
      }
      history = AttemptHistory.open(events, dir, attempt, listener);
    } catch (IOException | RuntimeException e) {
      if (running) {
        try { // not left RUNNING with no driver: status would call it LOST, and say nothing of why
          states.transition(JobState.FAILED, attempt, FailureReason.STORAGE_UNAVAILABLE + ": not started: "
              + e.getMessage());
        } catch (IOException | RuntimeException x) {
          e.addSuppressed(x);
        }
      }
      try {
        lease.abandon(); // a full disk: the next driver need not wait for the lease's ttl
      } catch (IOException | RuntimeException x) {
        e.addSuppressed(x);
      }
      throw e;
    }
    event(JobEventType.STARTED, 0, 0, "driver " + record.getHolder() + " took the lease with token "
        + record.getToken() + before.map(b -> b.isReleased() ? " (released by " + b.getHolder() + ")"
        : " from " + b.getHolder() + " (token " + b.getToken() + "), whose lease expired at " + b.getExpiresAt()
        + " without a release: that driver died or lost the store").orElse(""));
    shutdownHook = new ShutdownStop(this, listener);
    ShutdownHookManager.get().addShutdownHook(shutdownHook, SHUTDOWN_PRIORITY, SHUTDOWN_TIMEOUT_SECONDS,
        TimeUnit.SECONDS);
  }

  /** The commits in flight, reported by the checkpoint writer ({@link CheckpointWriter}). */
  CommitDrain commits() {
    return commits;
  }

  /** Whether the JVM began to shut down while this driver owned the job: training must not retry. */
  boolean shuttingDown() {
    return shuttingDown;
  }

  /** The epoch and round the training thread last began (0, 0 before the first round), read together. */
  Position position() {
    return position;
  }

  /**
   * What shows that the driver's heap ran out during this run, if anything ({@link HeapWatch}):
   * full collections that left it nearly full, or a thread an OutOfMemoryError ended.
   */
  Optional<String> heapExhaustion() {
    return heap.exhaustion().or(heap::threadKilled);
  }

  /** The heap watch of this run. */
  HeapWatch.Mark heap() {
    return heap;
  }

  /** An epoch and a round of it, set and read as one value. */
  record Position(int epoch, int round) {}

  /** The reason the shutdown hook marked the job FAILED under (INTERRUPTED until it ran). */
  FailureReason stoppedAs() {
    return stoppedAs;
  }

  /** Whether the shutdown hook gave the job up (marked it FAILED as INTERRUPTED, or released its lease). */
  boolean gaveUp() {
    return gaveUp;
  }

  /** Whether the shutdown hook has told the user how the job ended and how to continue it. */
  boolean stopReported() {
    ShutdownStop hook = shutdownHook;
    return hook != null && hook.reported();
  }

  /**
   * The state change of a stop ({@link ShutdownStop}): unless the job already finished or another
   * driver holds it, marks it FAILED under {@code reason} (COMPLETED when its final checkpoint is
   * published), records the stop in the history and releases the lease, each step tried even if
   * the one before it failed.
   *
   * @return what was done, or empty when the job was not this driver's to change
   */
  synchronized Optional<StopRecord> recordStop(FailureReason reason, String why, Position at) {
    stoppedAs = reason;
    if (finished) {
      return Optional.empty();
    }
    List<String> problems = new ArrayList<>();
    try {
      if (!lease.stillHolder()) {
        return Optional.empty();
      }
    } catch (IOException | RuntimeException e) {
      problems.add("cannot read the lease: " + e);
    }
    boolean done = committed >= spec.epochs(); // its final checkpoint published (before the stop, or let finish)
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
    AttemptHistory h = history;
    try {
      if (h != null) {
        h.appendOrThrow(done ? h.event(JobEventType.COMPLETED, Instant.now()).optEpoch(spec.epochs())
            .optMessage("all " + spec.epochs() + " epochs done; " + why).build()
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

  /** What a stop did: whether it marked the job COMPLETED (else FAILED), and the steps that failed. */
  record StopRecord(boolean completed, List<String> problems) {}

  /** The JVM shuts down: training must not retry; returns the commits in flight, which may still publish. */
  List<Long> beginStop() {
    shuttingDown = true;
    return commits.stop();
  }

  /** Stops renewing the lease (a stop, once the commits it waited for are done). */
  void stopHeartbeat() {
    lease.stopHeartbeat();
  }

  /** The job's spec as this run trains it. */
  JobSpec spec() {
    return spec;
  }

  /** The newest epoch published, as listed (a commit's history event follows its publish), or as known. */
  long newestCommitted() {
    try {
      return Math.max(committed, store.list().stream().filter(e -> e.manifest().isPresent())
          .mapToLong(io.epochal.checkpoint.CheckpointEntry::epoch).max().orElse(0));
    } catch (IOException | RuntimeException e) {
      return committed;
    }
  }

  /** Whether the job finished every epoch; checks {@code job.json} first (refusing another spec). No lease. */
  boolean alreadyCompleted() throws IOException {
    specFile.writeOnce(lease); // or checks the job.json an amendment will replace
    return states.read().map(s -> s.getState() == JobState.COMPLETED).orElse(false);
  }

  /**
   * Writes the amendment into {@code job.json} (compare-and-replace) and records it as an AMENDED
   * event at {@code epoch} (the newest one committed); called while holding the lease, after the
   * run's checks. Does nothing if none is pending.
   */
  void applyAmendment(long epoch) throws IOException {
    Optional<List<ValueChange>> amended = specFile.apply();
    if (amended.isPresent()) {
      String said = amended.get().stream().map(ValueChange::toString).collect(Collectors.joining("; "));
      event(JobEventType.AMENDED, epoch, JobEvent.builder(JobEventType.AMENDED, Instant.now(), attempt).optEpoch(epoch)
          .optRound(0).optMessage(said).optChanges(amended.get()));
      listener.message("amended job " + spec.jobDirText() + ": " + said + " (job.json rewritten, every training "
          + "hyperparameter unchanged)");
      amended.get().stream().filter(c -> c.getKey().equals(io.epochal.driver.config.JobKeys.JOB_DIR)).findFirst()
          .flatMap(ValueChange::fromText).ifPresent(from -> io.epochal.driver.config.RelocationNote.of(spec.jobName(),
              spec.jobDirText(), Instant.now()).leave(fs, dir, new Path(from), listener::warning));
    }
  }

  /** Checks the lease before a round ({@link LeaseKeeper#check}): LEASE_LOST if another driver took the job. */
  void heartbeat(int epoch, int round) throws TrainingException {
    position = new Position(epoch, round);
    lease.check(epoch, round);
  }

  /** Before a retry touches the job directory: renews the lease now ({@link LeaseKeeper#confirm}). */
  void confirmLease() throws TrainingException {
    lease.confirm();
  }

  /** The check a commit makes right before it publishes ({@link LeaseKeeper#commitGuard}). */
  CommitGuard commitGuard() {
    java.util.Set<Long> said = java.util.concurrent.ConcurrentHashMap.newKeySet();
    return lease.commitGuard(epoch -> {
      boolean refused = commits.refuses(epoch);
      if (refused && said.add(epoch)) {
        // the epoch trained, but the stop came before its commit began: the last word on it
        listener.warning("the checkpoint of epoch " + epoch + " is not written: its commit began after the stop; "
            + "a resume trains epoch " + epoch + " again");
      }
      return refused;
    });
  }

  /** The job directory's file system. */
  FileSystem fileSystem() {
    return fs;
  }

  /** The job's {@code job.json}: whether it exists, and the amendment this run makes to it. */
  JobSpecFile specFile() {
    return specFile;
  }

  /** The job directory. */
  Path path() {
    return dir;
  }

  /** The checkpoint store. */
  CheckpointStore store() {
    return store;
  }

  /** Appends an event to this attempt's history. */
  void event(JobEventType type, long epoch, int round, String message) {
    event(type, Instant.now(), epoch, round, message);
  }

  /** Appends an event that happened at {@code time} (e.g. when a checkpoint was published). */
  void event(JobEventType type, Instant time, long epoch, int round, String message) {
    event(type, epoch, JobEvent.builder(type, time, attempt).optEpoch(epoch).optRound(round).optMessage(message));
  }

  private void event(JobEventType type, long epoch, JobEvent.Builder event) {
    if (type == JobEventType.EPOCH_COMMITTED || type == JobEventType.RESUMED) {
      synchronized (this) {
        committed = Math.max(committed, epoch);
      }
    }
    AttemptHistory h = history;
    if (h != null) {
      h.append(event.build());
    }
  }

  /** Records a failure in the history ({@link AttemptHistory#failure}). */
  void failure(TrainingException e, int tryNo, int maxTries) {
    AttemptHistory h = history;
    if (h != null) {
      h.failure(e, tryNo, maxTries);
    }
  }

  /**
   * Marks the job FAILED, unless this driver no longer holds the lease: the job then belongs to the
   * driver that took it over, and its state is that driver's to write (a paused driver that comes
   * back must not mark a job FAILED that another driver is completing).
   */
  synchronized void failed(TrainingException e) throws IOException {
    if (shuttingDown) {
      return; // the shutdown hook records how this run ended
    }
    if (e.reason() == FailureReason.LEASE_LOST || !lease.stillHolder()) {
      listener.warning("not marking " + dir + " FAILED: another driver holds its lease now");
      return;
    }
    finished = true;
    states.transition(JobState.FAILED, attempt, e.reason() + ": " + e.getMessage());
  }

  /**
   * Marks a job that was COMPLETED before this run, and reopened only to be amended (more epochs),
   * COMPLETED again after the run refused the amendment before changing anything: job.json and the
   * checkpoints are as they were, so the job is as finished as it was. The refusal is in the
   * attempt's events and in the state's reason. Like {@link #failed}, only while holding the lease.
   */
  synchronized void amendmentRefused(TrainingException e) throws IOException {
    if (shuttingDown) {
      return;
    }
    if (e.reason() == FailureReason.LEASE_LOST || !lease.stillHolder()) {
      listener.warning("not marking " + dir + " COMPLETED again: another driver holds its lease now");
      return;
    }
    finished = true;
    states.transition(JobState.COMPLETED, attempt, "completed; the amendment of attempt " + attempt
        + " was refused and job.json is unchanged (" + e.reason() + ": " + e.getMessage() + ")");
  }

  /** Marks the job COMPLETED and releases the lease. */
  synchronized void complete() throws IOException {
    if (shuttingDown) {
      // the shutdown hook owns the end of this run; every epoch is committed, so a resume completes it
      return;
    }
    finished = true;
    states.transition(JobState.COMPLETED, attempt, "completed");
    event(JobEventType.COMPLETED, spec.epochs(), 0, spec.epochs() == 1 ? "its 1 epoch done" : "all " + spec.epochs()
        + " epochs done");
  }

  /** Applies the retention policy after a commit ({@link JobRetention}), in the history; without the lease, nothing. */
  void applyRetention(JobSpec s, TrainingListener l) throws IOException {
    new JobRetention(store, dir, l).apply(s, lease::stillHolder)
        .ifPresent(m -> event(JobEventType.CHECKPOINTS_DELETED, committed > 0 ? committed : newestCommitted(), 0, m));
  }

  /** Releases the lease (if held) and closes the history and the store. */
  @Override
  public void close() throws IOException {
    lease.stopHeartbeat();
    if (shutdownHook != null) {
      try {
        ShutdownHookManager.get().removeShutdownHook(shutdownHook);
      } catch (IllegalStateException inProgress) {
        // the JVM is shutting down: the hook runs or has run
      }
    }
    try {
      AttemptHistory h = history;
      if (h != null) {
        h.close(); // a shutdown hook running later records nothing more
      }
    } finally {
      try {
        synchronized (this) {
          lease.release(); // under this lock: not between a shutdown hook's check and its state change
        }
      } finally {
        store.close();
      }
    }
  }
}
