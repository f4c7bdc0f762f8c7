package io.epochal.driver.app;

import static com.google.common.base.Preconditions.checkNotNull;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
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

  /** What a skipped job waits for before a later {@code resume --all} continues it. */
  enum Wait {
    /** Nothing: it is resumed now, or needs no resume, or a change this command cannot make. */
    NONE,
    /** Its lease to expire: the driver holding it is gone. */
    EXPIRY,
    /** Its operator's {@code resume <dir> --relocate}: its directory was moved here. */
    RELOCATION,
    /** Its files to be readable: an ERROR whose read failed in a way that may pass (storage that did not answer). */
    STORAGE
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
    /** What a skipped job waits for. */
    private final Wait wait;
    /** The job.dir a job directory moved here came from, when this plan resumes it with --relocate; else null. */
    private final String relocatedFrom;
    /** For a job directory moved here: its old job.dir and what its epochs compute from (one job); else null. */
    private final String movedJob;

    Entry(Path jobDir, String name, String state, long epoch, Action action, String reason) {
      this(jobDir, name, state, epoch, action, reason, Wait.NONE, null, null);
    }

    Entry(Path jobDir, String name, String state, long epoch, Action action, String reason, Wait wait,
        String relocatedFrom, String movedJob) {
      this.wait = checkNotNull(wait, "wait");
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
      return action == Action.SKIP && wait == Wait.EXPIRY;
    }

    /**
     * Whether the job waits for its operator: an unfinished job whose directory was moved here, or
     * whose original location cannot be checked (a NameNode that came back at another address),
     * which only {@code resume <dir> --relocate} continues ({@code resume --all} does not relocate).
     */
    public boolean awaitsRelocation() {
      return action == Action.SKIP && wait == Wait.RELOCATION;
    }

    /**
     * Whether the job could not be planned because a read of its files failed in a way that may pass (its storage
     * did not answer, a block could not be read): a later {@code resume --all} may plan it. An ERROR that is not
     * one (a damaged job file, a job.json that does not fit its checkpoint) fails the same way until someone acts.
     */
    public boolean awaitsStorage() {
      return action == Action.ERROR && wait == Wait.STORAGE;
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
    Entry relocating(Object from, String job) {
      boolean resume = action == Action.RESUME;
      return new Entry(jobDir, name, state, epoch, action, "moved here from " + from
          + (resume ? " (--relocate rewrites its job.dir)" : "") + "; " + reason, wait,
          resume ? from.toString() : null, from + "\n" + job);
    }

    /** This relocating entry skipped, as one of {@code names}, directories moved here from one job.dir. */
    private Entry oneOfCopies(List<String> names) {
      return new Entry(jobDir, name, state, epoch, Action.SKIP, "one of " + names.size() + " directories moved here "
          + "from " + relocatedFrom + " (" + String.join(", ", names) + "): copies of one job, which would train "
          + "apart; resume the one to continue with 'bin/epochal resume <its directory> --relocate'", Wait.RELOCATION,
          null,
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
          && reason.equals(e.reason) && wait == e.wait && Objects.equals(relocatedFrom, e.relocatedFrom)
          && Objects.equals(movedJob, e.movedJob);
    }

    @Override
    public int hashCode() {
      return Objects.hash(jobDir, name, state, epoch, action, reason, wait, relocatedFrom, movedJob);
    }

    @Override
    public String toString() {
      return name + " " + state + " epoch " + epoch + " " + action + " (" + reason + ")";
    }
  }

  private final Path root;
  private final List<Entry> entries;

  ResumePlan(Path root, List<Entry> entries) {
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
      entries.add(JobResumePlanner.plan(fs, job.getValue(), job.getKey(), conf, now, relocate));
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
        "?", 0, Action.ERROR, "not searched for jobs: " + why))); // permission denied: until someone acts
    return new ResumePlan(root, entries);
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
    out.printf(Locale.ROOT, row, "JOB", "STATE", "EPOCH", "ACTION", "REASON");
    for (Entry e : entries) {
      out.printf(Locale.ROOT, row, e.name, e.state, e.action == Action.ERROR ? "-" : e.epoch, e.action,
          e.reason);
    }
  }

  @Override
  public String toString() {
    return "ResumePlan[" + root + ", " + entries + "]";
  }
}
