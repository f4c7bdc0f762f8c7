package io.epochal.driver.app;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.job.JobState;
import io.epochal.job.JobStatus;
import io.epochal.job.LeaseRecord;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What {@code epochal resume --all <root>} does with each job under a root ({@link JobFinder}): resume it
 * when it is not COMPLETED and its lease has expired or is free; skip it otherwise, saying why.
 *
 * <p>A COMPLETED job is resumed too when its final epoch's checkpoint is gone or visibly damaged
 * (no parseable manifest, a file missing or of another size than its manifest says): the
 * resumed driver reopens it and trains the epochs after its newest verified checkpoint again, as
 * {@code epochal resume <dir>} does. The plan does not read the final checkpoint's bytes; a
 * flipped byte in a completed job's data is found by {@code epochal verify}, which hashes them.
 */
public final class ResumePlan {

  /** What happens to one job. */
  public enum Action {
    /** Resume it. */
    RESUME,
    /** Leave it alone. */
    SKIP,
    /** It cannot be planned (its files cannot be read): the command fails once the others ran. */
    ERROR
  }

  /** The state shown for a RUNNING job whose driver is gone. */
  static final String LOST = "LOST";

  /** One job of the plan. Immutable. */
  public static final class Entry {
    private final Path jobDir;
    private final String name;
    private final String state;
    private final long epoch;
    private final Action action;
    private final String reason;
    /** A job directory moved here whose job is not finished: skipped until resumed with --relocate. */
    private final boolean moved;
    /** The job.dir a job directory moved here came from, when this plan resumes it with --relocate; else null. */
    private final String relocatedFrom;
    /** For a job directory moved here: its old job.dir and what its epochs compute from (one job); else null. */
    private final String movedJob;

    Entry(Path jobDir, String name, String state, long epoch, Action action, String reason) {
      this(jobDir, name, state, epoch, action, reason, false, null, null);
    }

    private Entry(Path jobDir, String name, String state, long epoch, Action action, String reason, boolean moved,
        String relocatedFrom, String movedJob) {
      this.moved = moved;
      this.relocatedFrom = relocatedFrom;
      this.movedJob = movedJob;
      this.jobDir = checkNotNull(jobDir, "jobDir");
      this.name = checkNotNull(name, "name");
      this.state = checkNotNull(state, "state");
      this.epoch = epoch;
      this.action = checkNotNull(action, "action");
      this.reason = checkNotNull(reason, "reason");
    }

    /** The job directory. */
    public Path jobDir() {
      return jobDir;
    }

    /** The job directory's path relative to the plan's root (its own name if it is the root). */
    public String name() {
      return name;
    }

    /** The job's state (NEW, RUNNING, FAILED, COMPLETED). */
    public String state() {
      return state;
    }

    /** The newest committed epoch, 0 if none. */
    public long epoch() {
      return epoch;
    }

    /** What the plan does with the job. */
    public Action action() {
      return action;
    }

    /**
     * Whether the job waits for a later run: its driver is gone, its lease not yet expired, so it is
     * skipped now and resumed by a {@code resume --all} after the expiry.
     */
    public boolean awaitsExpiry() {
      return action == Action.SKIP && LOST.equals(state) && !moved; // a copy skipped as one of several waits for you
    }

    /**
     * Whether the job waits for its operator: an unfinished job whose directory was moved here, or
     * whose original location cannot be checked (a NameNode that came back at another address),
     * which only {@code resume <dir> --relocate} continues ({@code resume --all} does not relocate).
     */
    public boolean awaitsRelocation() {
      return moved;
    }

    /**
     * Whether its resume relocates it ({@code resume <dir> --relocate}): a job directory moved here,
     * planned by {@code resume --all --relocate}.
     */
    public boolean relocates() {
      return relocatedFrom != null;
    }

    /**
     * This entry of a job directory moved here from {@code from}: a RESUME relocates it (and says
     * so), any other action leaves it where it is, saying where it came from.
     */
    private Entry relocating(Object from, String job) {
      boolean resume = action == Action.RESUME;
      return new Entry(jobDir, name, state, epoch, action, "moved here from " + from
          + (resume ? " (--relocate rewrites its job.dir)" : "") + "; " + reason, false,
          resume ? from.toString() : null, from + "\n" + job);
    }

    /** This relocating entry skipped, as one of {@code names}, directories moved here from one job.dir. */
    private Entry oneOfCopies(List<String> names) {
      return new Entry(jobDir, name, state, epoch, Action.SKIP, "one of " + names.size() + " directories moved here "
          + "from " + relocatedFrom + " (" + String.join(", ", names) + "): copies of one job, which would train "
          + "apart; resume the one to continue with 'bin/epochal resume <its directory> --relocate'", true, null,
          movedJob);
    }

    /** Why. */
    public String reason() {
      return reason;
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Entry)) {
        return false;
      }
      Entry e = (Entry) o;
      return jobDir.equals(e.jobDir) && name.equals(e.name) && state.equals(e.state) && epoch == e.epoch && action == e.action
          && reason.equals(e.reason) && moved == e.moved && Objects.equals(relocatedFrom, e.relocatedFrom)
          && Objects.equals(movedJob, e.movedJob);
    }

    @Override
    public int hashCode() {
      return Objects.hash(jobDir, name, state, epoch, action, reason, moved, relocatedFrom, movedJob);
    }

    @Override
    public String toString() {
      return name + " " + state + " epoch " + epoch + " " + action + " (" + reason + ")";
    }
  }

  private final Path root;
  private final List<Entry> entries;

  private ResumePlan(Path root, List<Entry> entries) {
    this.root = root;
    this.entries = List.copyOf(entries);
  }

  /**
   * Plans the resume of every job at or under {@code root} ({@link JobFinder}; a directory holding
   * {@code job.json}) as of {@code now}.
   *
   * @throws IOException if the root cannot be listed
   */
  public static ResumePlan of(Path root, Configuration conf, Instant now) throws IOException {
    return of(root, conf, now, false);
  }

  /**
   * As {@link #of(Path, Configuration, Instant)}; with {@code relocate}, an unfinished job whose
   * directory was moved here (its {@code job.json}'s {@code job.dir} no longer holds it) is planned
   * like any other, to be resumed with {@code --relocate}, instead of being skipped. A copy (the
   * original still holds the job) and a directory whose original cannot be checked stay skipped.
   *
   * @throws IOException if the root cannot be listed
   */
  public static ResumePlan of(Path root, Configuration conf, Instant now, boolean relocate) throws IOException {
    // a bad store key is a configuration error of the command, not a damaged job
    io.epochal.checkpoint.StoreOptions.check(conf, root.toString());
    FileSystem fs = root.getFileSystem(conf);
    List<Entry> entries = new ArrayList<>();
    JobFinder.Found found = JobFinder.find(fs, root);
    for (Map.Entry<String, Path> job : found.jobs().entrySet()) {
      entries.add(plan(fs, job.getValue(), job.getKey(), conf, now, relocate));
    }
    // directories moved here from one job.dir holding one job (a resume may be relocating one of them now)
    Map<String, List<String>> movedFrom = entries.stream().filter(e -> e.movedJob != null)
        .collect(Collectors.groupingBy(e -> e.movedJob, Collectors.mapping(Entry::name, Collectors.toList())));
    entries.replaceAll(e -> e.relocates() && movedFrom.get(e.movedJob).size() > 1
        ? e.oneOfCopies(movedFrom.get(e.movedJob)) : e);
    // a job that lost its job.json, and a directory that could not be searched (it may hold jobs):
    // the command must not report success
    Map<String, Path> lost = new java.util.TreeMap<>(found.lostSpecs());
    Path qualified = fs.makeQualified(root);
    if (found.jobs().isEmpty() && lost.isEmpty() && JobFinder.holdsCheckpoints(fs, qualified)) {
      lost.put(qualified.getName().isEmpty() ? qualified.toString() : qualified.getName(), qualified); // the root
    }
    lost.forEach((name, dir) -> entries.add(new Entry(dir, name, "?", 0, Action.ERROR,
        "holds checkpoints but no job.json (it was lost?): 'bin/epochal status "
        + io.epochal.driver.config.ShellWords.location(dir)
        + "' says how to continue it")));
    found.unreadable().forEach((name, why) -> entries.add(new Entry(new Path(fs.makeQualified(root), name), name,
        "?", 0, Action.ERROR, "not searched for jobs: " + why)));
    return new ResumePlan(root, entries);
  }

  private static Entry plan(FileSystem fs, Path job, String name, Configuration conf, Instant now, boolean relocate) {
    String state = "?"; // until state.json is read
    long epoch = 0;
    try {
      Optional<io.epochal.job.JobSpec> spec = new io.epochal.job.JobSpecStore(fs, job).read();
      StateAndLease read = StateAndLease.read(fs, job); // a driver starting or ending now is not LOST
      Optional<JobStatus> status = read.status();
      state = status.map(s -> s.getState().name()).orElse("NEW");
      List<CheckpointEntry> checkpoints = entries(job, conf);
      epoch = newestEpoch(checkpoints, Long.MAX_VALUE);
      Optional<JobRelocator.Foreign> foreign = spec.isEmpty() ? Optional.empty()
          : new JobRelocator(conf, System.err).foreign(spec.get().getHyperParameters(), fs.makeQualified(job));
      if (foreign.isPresent()) {
        boolean unfinished = status.isEmpty() || status.get().getState() != JobState.COMPLETED;
        if (!relocate || !foreign.get().moved()) {
          // unfinished and not a copy (moved here, or its original cannot be checked): work left for its operator
          return new Entry(job, name, state, epoch, Action.SKIP, foreign.get().reason(),
              unfinished && !foreign.get().copy(), null, null);
        }
        // moved here, and --relocate says to continue it here: planned as any job, then marked
        return plan(fs, job, name, conf, now, read, spec, checkpoints)
            .relocating(spec.get().getHyperParameters().asMap().get(io.epochal.driver.config.JobKeys.JOB_DIR),
                JobRelocator.identity(spec.get().getHyperParameters()));
      }
      return plan(fs, job, name, conf, now, read, spec, checkpoints);
    } catch (io.epochal.job.NewerJobFileException e) {
      return new Entry(job, name, state, epoch, Action.SKIP, e.getMessage()); // not damaged: another build's job
    } catch (IOException | RuntimeException e) {
      return new Entry(job, name, state, epoch, Action.ERROR, "unreadable: " + e.getMessage());
    }
  }

  /** The plan of a job whose files were read: by its format, final checkpoint, lease and state. */
  private static Entry plan(FileSystem fs, Path job, String name, Configuration conf, Instant now,
      StateAndLease read, Optional<io.epochal.job.JobSpec> spec, List<CheckpointEntry> checkpoints) {
    Optional<JobStatus> status = read.status();
    String state = status.map(s -> s.getState().name()).orElse("NEW");
    long epoch = newestEpoch(checkpoints, Long.MAX_VALUE);
    try {
      // the epoch a resume continues after: the newest checkpoint without visible damage (a file missing
      // or of another size), as status says and the resume's fallback finds
      epoch = VisibleDamage.newestIntactEpoch(fs, checkpoints, Long.MAX_VALUE);
      Optional<CheckpointEntry> newer = NewerFormatCheck.newest(checkpoints);
      if (newer.isEmpty()) { // a mid-epoch checkpoint of a newer Epochal: the resume refuses the job alike
        newer = NewerFormatCheck.newestOfJob(job, conf);
      }
      if (newer.isPresent()) {
        return new Entry(job, name, state, epoch, Action.SKIP, NewerFormatCheck.describe(newer.get()));
      }
      Optional<String> damaged = Optional.empty();
      if (status.isPresent() && status.get().getState() == JobState.COMPLETED) {
        Object epochs = spec.map(s -> s.getHyperParameters().asMap().get(io.epochal.driver.config.JobKeys.EPOCHS))
            .orElse(null);
        damaged = VisibleDamage.finalCheckpointProblem(fs, spec, checkpoints);
        if (damaged.isEmpty()) {
          return new Entry(job, name, state, epoch, Action.SKIP, "completed");
        }
        // the final epoch's checkpoint will not be used: show the newest one below it without visible damage
        epoch = VisibleDamage.newestIntactEpoch(fs, checkpoints, ((Number) epochs).longValue());
      }
      Optional<LeaseRecord> lease = read.lease();
      if (lease.isPresent() && lease.get().isLiveAt(now)) {
        if (lease.get().holderGoneFromThisHost() && !state.equals("COMPLETED")) {
          // its driver is gone, its lease not yet expired: also FAILED or NEW (a driver that died between
          // marking the job and releasing the lease, or between taking it and marking it), which waits alike
          state = LOST;
        }
        return new Entry(job, name, state, epoch, Action.SKIP, "leased by " + lease.get().getHolder() + " until "
            + lease.get().getExpiresAt() + (lease.get().holderGoneFromThisHost() ? " (LOST: that driver, a process of"
            + " this host, no longer runs; run resume --all again after the expiry)" : ""));
      }
      String why = lease.isEmpty() ? "lease free"
          : "lease of " + lease.get().getHolder() + (lease.get().isReleased() ? " released at " : " expired at ")
          + lease.get().getExpiresAt();
      if (state.equals("RUNNING")) {
        state = LOST; // as status shows it: RUNNING, but no driver holds its lease
      }
      if (PreparedResume.modelKeepsStateOutside(status)) {
        // a resume starts the model's unsaved state afresh: it would train on to other weights (refused first)
        return new Entry(job, name, state, epoch, Action.SKIP, "its last run found that its model keeps state outside "
            + "its state dict, which no checkpoint holds and every resume starts afresh: fix the model and train it in "
            + "a new job.dir" + lastFailure(status));
      }
      long at = epoch;
      Optional<CheckpointManifest> trained = checkpoints.stream().filter(e -> e.epoch() == at).findFirst()
          .flatMap(CheckpointEntry::manifest).filter(m -> !m.hyperParameters().asMap().isEmpty());
      List<String> diff = spec.isEmpty() || trained.isEmpty() ? List.of() : io.epochal.driver.train.CheckpointFit
          .trainingDiff(trained.get().hyperParameters(), spec.get().getHyperParameters());
      // the resume refuses it (INCOMPATIBLE_JOB), as resume <dir> --dry-run says; a reopened COMPLETED job alike
      if (!diff.isEmpty()) {
        return new Entry(job, name, state, epoch, Action.ERROR, "job.json does not hold the spec its checkpoint of "
            + "epoch " + epoch + " was trained with (checkpoint -> job: " + String.join("; ", diff) + "): a resume "
            + "refuses it; restore that spec ('bin/epochal inspect' of the checkpoint lists it)");
      }
      if (damaged.isPresent()) {
        // which older checkpoint verifies is for the resumed driver to find: it hashes them
        return new Entry(job, name, state, epoch, Action.RESUME, damaged.get() + "; " + why + (epoch == 0
            ? ", reopens it and trains again from epoch 1 (no older intact checkpoint)"
            : ", reopens it and continues after epoch " + epoch + ", its newest intact checkpoint (the resume hashes "
            + "it)"));
      }
      if (failedWith(status, io.epochal.driver.train.FailureReason.NON_FINITE_STATE)) {
        // the same steps from the same checkpoint give the same NaN: a resume would only fail again
        return new Entry(job, name, state, epoch, Action.SKIP, "its last run failed NON_FINITE_STATE, which a resume "
            + "repeats step for step (its hyperparameters cannot change): train the job with a lower optimizer.lr in "
            + "a new job.dir" + lastFailure(status));
      }
      boolean badInput = failedWith(status, io.epochal.driver.train.FailureReason.BAD_INPUT);
      boolean noGpu = failedWith(status, io.epochal.driver.train.FailureReason.DEVICE_UNAVAILABLE);
      String from = MidEpochListing.continuing(fs, conf, job, epoch, checkpoints).map(m -> { // once its files verify
        io.epochal.driver.train.MidEpochPosition mid = io.epochal.driver.train.MidEpochPosition.of(m).orElseThrow();
        return ", continues from its mid-epoch checkpoint: " + MidEpochListing.describe(m, mid) + ", " + mid.next();
      }).orElse(epoch == 0 ? ", trains from epoch 1 (no checkpoint yet)" : ", continues after epoch " + epoch);
      return new Entry(job, name, state, epoch, Action.RESUME, why + from
          + lastFailure(status) + (badInput ? " (the plan reads no data: "
          + "unless the data was fixed since, the resume fails the same way)" : "") + (noGpu ? " (placement keys are "
          + "not stored: this resume trains with train.device = auto, on the CPU where no GPU is scheduled, unless "
          + "--conf spark.epochal.train.device=gpu and the resources.* keys are given)" : ""));
    } catch (IOException | RuntimeException e) {
      return new Entry(job, name, state, epoch, Action.ERROR, "unreadable: " + e.getMessage());
    }
  }

  /** Whether the job is FAILED with {@code reason}. */
  private static boolean failedWith(Optional<JobStatus> status, io.epochal.driver.train.FailureReason reason) {
    return status.isPresent() && status.get().getState() == JobState.FAILED && status.get().getReason() != null
        && status.get().getReason().startsWith(reason.name());
  }

  /** For a FAILED job, how its last run ended (its first line, shortened): a resume may end so again. */
  private static String lastFailure(Optional<JobStatus> status) {
    if (status.isEmpty() || status.get().getState() != JobState.FAILED || status.get().getReason() == null) {
      return "";
    }
    String reason = status.get().getReason().lines().findFirst().orElse("");
    return reason.isEmpty() ? "" : "; last run: " + (reason.length() > 160 ? reason.substring(0, 157) + "..." : reason);
  }

  private static long newestEpoch(List<CheckpointEntry> list, long below) {
    for (int i = list.size() - 1; i >= 0; i--) {
      if (list.get(i).epoch() < below && list.get(i).manifest().isPresent()) {
        return list.get(i).epoch();
      }
    }
    return 0;
  }

  private static List<CheckpointEntry> entries(Path job, Configuration conf) throws IOException {
    try (CheckpointStore store = HadoopCheckpointStore.builder().setJobDir(job.toString())
        .optConfiguration(conf).build()) {
      return store.list();
    } catch (io.epochal.checkpoint.CheckpointException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /** The root the plan was made for. */
  public Path root() {
    return root;
  }

  /** One entry per job, in path order. */
  public List<Entry> entries() {
    return entries;
  }

  /** The jobs to resume. */
  public List<Entry> toResume() {
    return entries.stream().filter(e -> e.action == Action.RESUME).toList();
  }

  /** Prints the plan as a table: job, state, epoch, action, reason. */
  public void print(PrintStream out) {
    int width = Math.max(24, entries.stream().mapToInt(e -> e.name.length()).max().orElse(0));
    String row = "%-" + width + "s %-10s %6s %-7s %s%n"; // the JOB column as wide as the longest path
    out.printf(row, "JOB", "STATE", "EPOCH", "ACTION", "REASON");
    for (Entry e : entries) {
      out.printf(row, e.name, e.state, e.action == Action.ERROR ? "-" : e.epoch, e.action,
          e.reason);
    }
  }

  @Override
  public String toString() {
    return "ResumePlan[" + root + ", " + entries + "]";
  }
}
