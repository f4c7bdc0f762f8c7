package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.CommitGuard;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.driver.config.EpochMetrics;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventLog;
import io.epochal.job.JobEventType;
import io.epochal.job.JobLease;
import io.epochal.job.JobState;
import io.epochal.job.JobStateStore;
import io.epochal.job.JobStatus;
import io.epochal.job.LeaseRecord;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A job directory as one driver sees it while it owns the job: {@code job.json} ({@link
 * JobSpecFile}), the lease and its fencing token ({@link LeaseKeeper}, on this directory's
 * monitor), the state file, this attempt's event log and the checkpoint store; and the state
 * change of a driver whose JVM shuts down ({@link ShutdownStop} runs the stop).
 */
final class JobDirectory implements AutoCloseable {

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
  /** The amendment this run makes to job.json, recorded in this attempt's history. */
  private final JobAmendment amendment;
  /** This attempt's history, once {@link #start} took the lease. */
  private volatile AttemptHistory history;
  private int attempt;
  private volatile ShutdownStop shutdownHook;
  private StopHooks hooks = StopHooks.HADOOP;
  /** How this driver leaves the job: its marks in state.json, on this directory's monitor. */
  private final JobOutcome outcome;
  /** The epoch and round the training thread last began (0, 0 before the first), for a stop's record. */
  private volatile Position position = new Position(0, 0);
  private volatile long committed; // the newest epoch committed or resumed from, as this driver knows it
  private volatile long committedHere; // the newest epoch this run committed itself (0: none)
  /** The commits in flight, which a stop lets publish. */
  private final CommitDrain commits = new CommitDrain();
  /** Whether the heap ran nearly full since this directory was opened (the job's run). */
  private final HeapWatch.Mark heap = HeapWatch.mark();
  /**
   * The damaged checkpoints this run left in place (a mid-epoch checkpoint holds the state after them), by epoch:
   * their directories.
   */
  private final java.util.Map<Long, String> damagedInPlace = new java.util.concurrent.ConcurrentHashMap<>();

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
    this.outcome = new JobOutcome(this, spec, dir, lease, states, listener);
    this.amendment = new JobAmendment(this, specFile, outcome, listener);
  }

  /** Opens the job directory of {@code spec}; {@code amendedFrom}: the stored spec it amends, or null. */
  static JobDirectory open(JobSpec spec, Configuration conf, TrainingListener listener,
      io.epochal.job.JobSpec amendedFrom) throws IOException {
    Path dir = new Path(spec.jobDir());
    FileSystem fs = dir.getFileSystem(conf);
    CheckpointStore store = HadoopCheckpointStore.builder()
        .setJobDir(dir.toString()).optConfiguration(conf).build();
    return new JobDirectory(spec, fs, dir, store, checkNotNull(listener, "listener"), amendedFrom);
  }

  /** Writes {@code job.json} once (refusing another spec), takes the lease, marks the job RUNNING, opens its log. */
  void start(String reopenReason) throws IOException {
    specFile.writeOnce(lease); // or checks the job.json an amendment will replace
    specFile.storedEpochs().ifPresent(outcome::endsAt); // job.json's train.epochs until the amendment is written
    Optional<JobStatus> previous = states.read();
    // the event files count too: a job whose state.json was lost still has its attempts' histories
    attempt = Math.max(previous.map(JobStatus::getAttempt).orElse(0), events.highestAttempt()) + 1;
    Optional<LeaseRecord> before = lease.current();
    LeaseRecord record = lease.acquire(attempt);
    outcome.begin(attempt);
    boolean running = false;
    boolean reopened = false;
    try {
      if (reopenReason != null && previous.isPresent() && previous.get().getState() == JobState.COMPLETED) {
        states.reopen(attempt, reopenReason);
        reopened = true;
      } else {
        states.transition(JobState.RUNNING, attempt, previous.isPresent() ? "resumed"
            : attempt > 1 ? "resumed (state.json was missing)" : "started");
        running = true;
      }
      history = AttemptHistory.open(events, dir, attempt, listener);
    } catch (IOException | RuntimeException e) {
      if (reopened) {
        reopenFailed(e);
      }
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
    shutdownHook = ShutdownStop.install(this, hooks, listener);
  }

  /** Registers the stop with {@code stopHooks}, not Hadoop's manager ({@link TrainingJob.Builder#optStopHooks}). */
  JobDirectory withStopHooks(StopHooks stopHooks) {
    this.hooks = checkNotNull(stopHooks, "stopHooks");
    return this;
  }

  /**
   * How this driver leaves the job ({@link JobOutcome}): whether the JVM shuts down (training must not retry), how
   * the shutdown hook marked the job, and the job's FAILED or COMPLETED mark, made only while this driver holds the
   * lease.
   */
  JobOutcome outcome() {
    return outcome;
  }

  /** The commits in flight, reported by the checkpoint writer ({@link CheckpointWriter}). */
  CommitDrain commits() {
    return commits;
  }

  /** The epoch and round the training thread last began (0, 0 before the first round), read together. */
  Position position() {
    return position;
  }

  /**
   * What shows that the driver's heap ran out as it stops, if anything ({@link HeapWatch}): a thread an
   * OutOfMemoryError ended in this run, or a collection that left the heap full in the last minute.
   */
  Optional<String> heapExhaustion() {
    return heap.exhaustionWithin(60_000).or(heap::threadKilled);
  }

  /** The heap watch of this run. */
  HeapWatch.Mark heap() {
    return heap;
  }

  /** An epoch and a round of it, set and read as one value. */
  record Position(int epoch, int round) {}

  /** Whether the shutdown hook has told the user how the job ended and how to continue it. */
  boolean stopReported() {
    ShutdownStop hook = shutdownHook;
    return hook != null && hook.reported();
  }

  /**
   * The state change of a stop ({@link ShutdownStop}, {@link JobOutcome#recordStop}): unless the
   * job already finished or another driver holds it, marks it FAILED under {@code reason}
   * (COMPLETED when its final checkpoint is published), records the stop and releases the lease.
   *
   * @return what was done, or empty when the job was not this driver's to change
   */
  Optional<JobOutcome.StopRecord> recordStop(FailureReason reason, String why, Position at) {
    return outcome.recordStop(reason, why, at, () -> committed, () -> history);
  }

  /** The JVM shuts down: training must not retry; returns the commits in flight, which may still publish. */
  List<Long> beginStop() {
    outcome.shutDown();
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

  /** The newest epoch committed or resumed from as this driver knows it, without listing the checkpoints. */
  long knownCommitted() {
    return committed;
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

  /** Writes the pending amendment into job.json, recorded at {@code epoch} ({@link JobAmendment#apply}). */
  void applyAmendment(long epoch) throws IOException {
    amendment.apply(epoch);
  }

  /**
   * The job stops early after epoch {@code epochs}: amends and records it so ({@link JobAmendment#stopEarly}), while
   * this driver holds the lease; a driver that lost it leaves job.json to the new holder, which may have extended it.
   *
   * @return false when another driver holds the lease, and nothing was amended
   */
  boolean stopEarly(int epochs, String why) throws IOException {
    if (!lease.stillHolder()) {
      listener.warning("not amending train.epochs of " + spec.jobDirText() + " to " + epochs + " (stopped early: "
          + why + "): another driver holds its lease now, and job.json is that driver's to change");
      return false;
    }
    amendment.stopEarly(epochs, why);
    return true;
  }

  /**
   * A run that reopened a COMPLETED job failed with {@code e} before changing it: marks the job
   * COMPLETED again ({@link JobOutcome#reopenFailed}); a failure to do so is added to {@code e}.
   */
  void reopenFailed(Exception e) {
    try {
      outcome.reopenFailed(e);
    } catch (IOException | RuntimeException x) {
      e.addSuppressed(x);
    }
  }

  /** Checks the lease before a round ({@link LeaseKeeper#check}): LEASE_LOST if another driver took the job. */
  void heartbeat(int epoch, int round) throws TrainingException {
    position = new Position(epoch, round);
    lease.check(epoch, round);
  }
  /** Fails with LEASE_LOST if the heartbeat found the lease taken over ({@link LeaseKeeper#checkNotTakenOver}). */
  void checkNotTakenOver(int epoch) throws TrainingException {
    lease.checkNotTakenOver(epoch, 0);
  }


  /** Before a retry touches the job directory: renews the lease now ({@link LeaseKeeper#confirm}). */
  void confirmLease() throws TrainingException {
    lease.confirm();
  }

  /** The check a commit makes right before it publishes ({@link CommitDrain#guard}). */
  CommitGuard commitGuard() {
    return commits.guard(lease, listener::warning);
  }

  /** Where this driver reports its rounds ({@code progress.json}), for a run of {@code epochs} of {@code rounds}. */
  ProgressFile progress(int epochs, int rounds) {
    return new ProgressFile(new io.epochal.job.JobProgressStore(fs, dir), lease.holder(), attempt, epochs,
        rounds, ProgressFile.EVERY, java.time.Clock.systemUTC());
  }

  /** This driver's attempt, once {@link #start} took the lease. */
  int attempt() {
    return attempt;
  }

  /** This attempt's history, once {@link #start} took the lease; else null. */
  AttemptHistory history() {
    return history;
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

  /**
   * Records that epoch {@code values.epoch()} was committed (published at {@code time}) with the
   * numbers its checkpoint records, which the history keeps when retention deletes the checkpoint.
   */
  void committed(Instant time, EpochValues values) {
    long epoch = values.epoch();
    event(JobEventType.EPOCH_COMMITTED, epoch, JobEvent.builder(JobEventType.EPOCH_COMMITTED, time, attempt)
        .optEpoch(epoch).optRound(0).optMessage(values.metric(EpochMetrics.TRAIN_LOSS)
            .map(loss -> EpochMetrics.TRAIN_LOSS + "=" + loss).orElse("committed"))
        .optMetrics(values.eventMetrics()));
  }

  /** Appends {@code event}, of {@code type} at {@code epoch}, to this attempt's history. */
  void event(JobEventType type, long epoch, JobEvent.Builder event) {
    if (type == JobEventType.EPOCH_COMMITTED || type == JobEventType.RESUMED) {
      synchronized (this) {
        committed = Math.max(committed, epoch);
        if (type == JobEventType.EPOCH_COMMITTED) {
          committedHere = Math.max(committedHere, epoch);
        }
      }
    }
    AttemptHistory h = history;
    if (h != null) {
      h.append(event.build());
    }
  }

  /** Records a failure in the history ({@link AttemptHistory#failure}); {@code inPlace}: retried from memory. */
  void failure(TrainingException e, int tryNo, int maxTries, boolean inPlace) {
    AttemptHistory h = history;
    if (h != null) {
      h.failure(e, tryNo, maxTries, inPlace);
    }
  }

  /** Epochs up to {@code epoch} are published already (a finished job a run reopens only to amend it). */
  synchronized void publishedUpTo(long epoch) {
    committed = Math.max(committed, epoch);
  }

  /** Marks the job COMPLETED and records it, unless the JVM shuts down (the shutdown hook then ends the run). */
  synchronized void complete() throws IOException {
    if (outcome.completed()) {
      int epochs = outcome.epochs();
      event(JobEventType.COMPLETED, epochs, 0, epochs == 1 ? "its 1 epoch done" : "all " + epochs + " epochs done");
    }
  }

  /**
   * Records that the checkpoint of {@code epoch} is damaged and left in place: retention counts it as no verified
   * checkpoint, so that it keeps no intact one from being deleted.
   */
  void damagedInPlace(long epoch, String path) {
    damagedInPlace.put(epoch, path);
  }

  /**
   * Moves aside the damaged checkpoints left in place that a checkpoint this run committed since supersedes: no
   * resume continues the mid-epoch checkpoint after them any more, and a later run would take them for intact ones
   * (their manifests read) in its retention. One that cannot be moved is kept, and said so.
   */
  private void moveAsideSuperseded(TrainingListener l) throws IOException {
    for (Map.Entry<Long, String> e : List.copyOf(damagedInPlace.entrySet())) {
      if (committedHere <= e.getKey() || !lease.stillHolder()) { // not one it resumed from: one it committed
        continue;
      }
      try {
        String to = store.moveAside(e.getKey()).path();
        l.warning("moved damaged checkpoint " + JobSpecResolver.locationText(e.getValue()) + " aside to "
            + JobSpecResolver.locationText(to) + ": epoch " + committedHere + " is committed after it");
        event(JobEventType.FAILURE, e.getKey(), 0, "damaged checkpoint " + e.getValue() + " moved to " + to
            + " once epoch " + committedHere + " was committed after it");
        damagedInPlace.remove(e.getKey());
      } catch (io.epochal.checkpoint.CheckpointException | RuntimeException x) {
        l.warning("damaged checkpoint " + JobSpecResolver.locationText(e.getValue()) + " could not be moved aside ("
            + x.getMessage() + "); retention keeps it, and the next commit tries again");
      }
    }
  }

  /** Applies the retention policy after a commit ({@link JobRetention}), in the history; without the lease, nothing. */
  void applyRetention(JobSpec s, TrainingListener l) throws IOException {
    if (outcome.gaveUp()) {
      l.warning("retention skipped: the job was given up at the stop (its lease released); the next run applies it");
      return;
    }
    moveAsideSuperseded(l);
    new JobRetention(store, dir, l).apply(s, lease::stillHolder, damagedInPlace.keySet())
        .ifPresent(m -> event(JobEventType.CHECKPOINTS_DELETED, committed > 0 ? committed : newestCommitted(), 0, m));
  }

  /** Releases the lease (if held) and closes the history and the store. */
  @Override
  public void close() throws IOException {
    ShutdownStop stop = shutdownHook;
    if (stop != null && outcome.shuttingDown()) {
      // the stop runs: it may still write the rounds trained as a mid-epoch checkpoint (under the lease) and
      // record the stop in the history, which this thread, failing as the stop refused its work, must leave open
      stop.awaitEnd();
    }
    lease.stopHeartbeat();
    if (stop != null) {
      try {
        hooks.remove(stop);
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
      } catch (IOException e) { // the job's state is written: a lease left behind only delays the next driver
        listener.warning("cannot release the lease of " + spec.jobDirText() + " (" + FailureClassifier.rootCause(e)
            + "); it expires by itself within lease.ttl_ms = " + spec.leaseTtlMs() + " ms, after which a resume "
            + "takes it over");
      } finally {
        store.close();
      }
    }
  }
}
