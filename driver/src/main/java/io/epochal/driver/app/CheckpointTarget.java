package io.epochal.driver.app;

import io.epochal.checkpoint.CheckpointCorruptedException;
import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointException;
import io.epochal.checkpoint.CheckpointProblem;
import io.epochal.checkpoint.CheckpointSeries;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.checkpoint.LatestCheckpoint;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.config.ShellWords;
import io.epochal.job.JobPaths;
import io.epochal.job.JobState;
import io.epochal.job.JobStateStore;
import io.epochal.job.JobStatus;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What a command's location names: one checkpoint ({@code <job-dir>/checkpoints/epoch-NNNNNN}), a
 * damaged checkpoint a resume moved aside ({@code <job-dir>/checkpoints/_damaged-epoch-NNNNNN-<millis>}),
 * the best checkpoint by the job's {@code checkpoint.best_metric} ({@code <job-dir>/checkpoints/best},
 * as PyTorch Lightning's {@code ckpt_path="best"}; for the commands that use a model), or a job
 * directory (then {@link #epoch()} is -1 and the command picks the newest or all).
 */
final class CheckpointTarget {

  private static final Pattern EPOCH_DIR = Pattern.compile("epoch-(\\d{6,})");
  private static final Pattern MOVED_ASIDE_DIR = Pattern.compile("_damaged-epoch-(\\d{6,})-\\d+");

  private final Path jobDir;
  private final long epoch;
  private final String movedAside;
  /** Whether {@code <job-dir>/checkpoints/best} was named. */
  private final boolean best;
  /** The configuration job.json is read with, for {@link #best}; else null. */
  private final Configuration conf;
  /** The series of the checkpoint named: a mid-epoch one ({@code <job-dir>/mid-epoch/step-N}) is keyed by step. */
  private final CheckpointSeries series;

  private CheckpointTarget(Path jobDir, long epoch, String movedAside) {
    this(jobDir, epoch, movedAside, null, CheckpointSeries.EPOCHS);
  }

  private CheckpointTarget(Path jobDir, long epoch, String movedAside, Configuration bestConf,
      CheckpointSeries series) {
    this.series = series;
    this.jobDir = jobDir;
    this.epoch = epoch;
    this.movedAside = movedAside;
    this.best = bestConf != null;
    this.conf = bestConf;
  }

  /**
   * Resolves {@code uri} for a command that uses one checkpoint's model ({@code export}, {@code
   * predict}, {@code evaluate}): also {@code <job-dir>/checkpoints/best}, which {@link #load} takes
   * as the best checkpoint by the job's {@code checkpoint.best_metric} ({@link BestCheckpoint}).
   *
   * @throws ConfigException if it is neither a checkpoint directory nor a job directory
   */
  static CheckpointTarget resolveModel(URI uri, Configuration conf) throws IOException {
    Path p = new Path(uri);
    if (p.getName().equals(BestCheckpoint.NAME) && p.getParent() != null && p.getParent().getName().equals(
        "checkpoints") && p.getParent().getParent() != null && !p.getFileSystem(conf).exists(p)) {
      return new CheckpointTarget(p.getParent().getParent(), -1, null, conf, CheckpointSeries.EPOCHS);
    }
    return resolve(uri, conf);
  }

  /**
   * Resolves {@code uri}.
   *
   * @throws ConfigException if it is neither a checkpoint directory nor a job directory
   */
  static CheckpointTarget resolve(URI uri, Configuration conf) throws IOException {
    Path p = new Path(uri);
    Matcher matcher = EPOCH_DIR.matcher(p.getName());
    if (matcher.matches() && CheckpointSeries.EPOCHS.parse(p.getName()).isEmpty()) {
      // epoch-0000007: the store reads epoch 7 from epoch-000007, another directory
      throw new ConfigException("checkpoint", shown(uri) + " is not named as a checkpoint directory is "
          + "(epoch-NNNNNN: its epoch in six digits, more only above 999999, as epoch-000007); the store never "
          + "reads it: rename it, or copy it to such a path, and give that");
    }
    if (matcher.matches() && p.getParent() != null && !p.getParent().getName().equals("checkpoints")) {
      throw copiedOut(uri);
    }
    if (matcher.matches() && p.getParent() != null && p.getParent().getParent() != null) {
      return new CheckpointTarget(p.getParent().getParent(), Long.parseLong(matcher.group(1)), null);
    }
    java.util.OptionalLong step = CheckpointSeries.STEPS.parse(p.getName());
    if (step.isPresent() && p.getParent() != null && p.getParent().getName().equals(CheckpointSeries.STEPS.directory())
        && p.getParent().getParent() != null) {
      // read as any checkpoint directory, keyed by its global step
      return new CheckpointTarget(p.getParent().getParent(), step.getAsLong(), null, null, CheckpointSeries.STEPS);
    }
    if (p.getName().equals(BestCheckpoint.NAME) && p.getParent() != null && p.getParent().getName().equals(
        "checkpoints")) {
      throw new ConfigException("checkpoint", shown(uri) + " names the best checkpoint by checkpoint.best_metric, "
          + "which export, predict and evaluate take; this command takes a checkpoint directory "
          + "(.../checkpoints/epoch-NNNNNN) or a job directory");
    }
    Matcher aside = MOVED_ASIDE_DIR.matcher(p.getName());
    if (aside.matches() && p.getParent() != null && p.getParent().getParent() != null) {
      String named = "epoch-" + aside.group(1);
      if (CheckpointSeries.EPOCHS.parse(named).isEmpty()) {
        throw new ConfigException("checkpoint", shown(uri) + " is not named as a checkpoint moved aside is (_damaged-"
            + "epoch-NNNNNN-<millis>, its epoch in six digits, more only above 999999)");
      }
      return new CheckpointTarget(p.getParent().getParent(), CheckpointSeries.EPOCHS.parse(named).getAsLong(),
          p.getName());
    }
    FileSystem fs = p.getFileSystem(conf);
    if (!fs.exists(p)) {
      throw new ConfigException("checkpoint", shown(uri) + " does not exist; give a checkpoint directory "
          + "(.../checkpoints/epoch-NNNNNN) or a job directory");
    }
    if (!fs.exists(JobPaths.jobSpec(p)) && !fs.exists(new Path(p, "checkpoints"))
        && fs.exists(new Path(p, io.epochal.checkpoint.CheckpointManifest.FILE_NAME))) {
      throw copiedOut(uri);
    }
    if (!fs.exists(JobPaths.jobSpec(p)) && !fs.exists(new Path(p, "checkpoints"))) {
      throw new ConfigException("checkpoint", shown(uri) + " is neither a checkpoint directory "
          + "(.../checkpoints/epoch-NNNNNN or a damaged one moved aside, .../checkpoints/_damaged-epoch-NNNNNN-<millis>) "
          + "nor a job directory; give one of those");
    }
    return new CheckpointTarget(p, -1, null);
  }

  /** {@code uri} as messages show a location: decoded ({@code my run}, not {@code my%20run}). */
  static String shown(URI uri) {
    return JobSpecResolver.locationText(new Path(uri));
  }

  /** The refusal of a checkpoint directory that is not {@code <job-dir>/checkpoints/epoch-NNNNNN}. */
  private static ConfigException copiedOut(URI uri) {
    return new ConfigException("checkpoint", shown(uri) + " is not a checkpoint directory of a job: a checkpoint is "
        + "read as <job-dir>/checkpoints/epoch-NNNNNN (its epoch, as its manifest says); copy it to such a path (for a "
        + "checkpoint of epoch 3, /tmp/x/checkpoints/epoch-000003) and give that");
  }

  /** The job directory. */
  Path jobDir() {
    return jobDir;
  }

  /** The epoch named, or -1 for a job directory. */
  long epoch() {
    return epoch;
  }

  /** Whether a single checkpoint was named (published, moved aside, or the best). */
  boolean isCheckpoint() {
    return epoch >= 0 || best;
  }

  /** Whether a checkpoint moved aside as damaged was named. */
  boolean isMovedAside() {
    return movedAside != null;
  }

  /**
   * The listing a named checkpoint is found in: the moved-aside directories for one moved aside,
   * else the published checkpoints.
   */
  List<CheckpointEntry> listing(CheckpointStore store) throws CheckpointException {
    return movedAside != null ? store.listMovedAside() : store.list();
  }

  /**
   * The named checkpoint's entry among {@code listed} ({@link #listing}): the published one of
   * {@link #epoch()}, or the moved-aside directory named; empty if there is none (or a job
   * directory was named).
   */
  Optional<CheckpointEntry> entryIn(List<CheckpointEntry> listed) {
    if (movedAside != null) {
      return listed.stream().filter(e -> new Path(e.path()).getName().equals(movedAside)).findFirst();
    }
    return epoch < 0 ? Optional.empty() : listed.stream().filter(e -> e.epoch() == epoch).findFirst();
  }

  /** Whether the target is one mid-epoch checkpoint ({@code <job>/mid-epoch/step-NNNNNNNNN}). */
  boolean isMidEpoch() {
    return series == CheckpointSeries.STEPS;
  }

  /** The store of the job directory; the caller closes it. */
  CheckpointStore open(Configuration conf) throws IOException {
    return HadoopCheckpointStore.builder().setJobDir(jobDir.toString()).optConfiguration(conf).optSeries(series)
        .build();
  }

  /**
   * The store of the job directory for the model's weights only (evaluate, predict, export): every file is
   * checked as {@link #open} checks it, but the optimizer's state is not held in memory; the caller closes it.
   */
  CheckpointStore openWeights(Configuration conf) throws IOException {
    return HadoopCheckpointStore.builder().setJobDir(jobDir.toString()).optConfiguration(conf).optWeightsOnly(true)
        .optSeries(series).build();
  }

  /**
   * The checkpoint named, or a job directory's newest verified one (every file's size and SHA-256
   * checked, as a resume picks it): a damaged newer checkpoint is named on {@code err} and
   * skipped. Empty when the job directory has no usable checkpoint.
   */
  Optional<LoadedCheckpoint> load(CheckpointStore store, PrintStream err) throws CheckpointException {
    if (best) {
      return new BestCheckpoint(jobDir, conf).load(store, err);
    }
    if (movedAside != null) {
      Optional<CheckpointEntry> e = entryIn(store.listMovedAside());
      return e.isPresent() ? Optional.of(store.load(e.get())) : Optional.empty();
    }
    if (epoch >= 0) {
      return Optional.of(loadNamed(store));
    }
    LatestCheckpoint latest = store.latest();
    NewerFormatCheck.check(latest); // not an older checkpoint in place of a newer Epochal's
    for (CheckpointProblem p : latest.skipped()) {
      err.println("epochal: warning: skipping damaged checkpoint " + p);
    }
    if (!latest.skipped().isEmpty()) {
      err.println("epochal: " + latest.checkpoint().map(c -> "using the newest verified checkpoint, epoch "
          + c.manifest().epoch() + " (" + JobSpecResolver.locationText(c.path()) + ")")
          .orElse("no older checkpoint verifies either"));
    }
    return latest.checkpoint();
  }

  /**
   * When a job directory was named (not one checkpoint) and its job is not COMPLETED, says so on
   * {@code err}: the newest checkpoint {@code used} is then not the job's final one (a job still
   * training, failed or interrupted). Says nothing when the state cannot be read; it is only a note.
   */
  void noteUnfinished(LoadedCheckpoint used, Configuration conf, PrintStream err) {
    if (isCheckpoint()) {
      return;
    }
    try {
      Optional<JobStatus> status = new JobStateStore(jobDir.getFileSystem(conf), jobDir).read();
      if (status.isPresent() && status.get().getState() != JobState.COMPLETED) {
        err.println("epochal: note: job " + ShellWords.location(jobDir) + " is " + status.get().getState()
            + ", not COMPLETED: epoch " + used.manifest().epoch() + " is its newest verified checkpoint, not "
            + "necessarily its final one ('bin/epochal status " + ShellWords.location(jobDir) + "' says more)");
      }
    } catch (IOException | RuntimeException unreadable) {
      // the state only adds a note to what the checkpoint is used for
    }
  }

  /**
   * The named checkpoint: one that does not exist is a configuration error listing those that do;
   * a damaged one's failure also says how to see every check and which checkpoint verifies.
   */
  private LoadedCheckpoint loadNamed(CheckpointStore store) throws CheckpointException {
    try {
      return store.load(epoch);
    } catch (io.epochal.checkpoint.NewerFormatException e) { // not damaged: another build's
      throw new ConfigException("URI", io.epochal.driver.train.CheckpointFit.newerFormat(
          JobSpecResolver.locationText(e.path()), e.getMessage()), e);
    } catch (CheckpointCorruptedException e) {
      String other;
      try {
        other = store.latest().checkpoint().map(c -> "; the newest checkpoint that verifies is epoch "
            + c.manifest().epoch() + " (" + JobSpecResolver.locationText(c.path()) + ")")
            .orElse("; no checkpoint of " + JobSpecResolver.locationText(jobDir) + " verifies");
      } catch (CheckpointException unreadable) {
        other = "";
      }
      throw new CheckpointCorruptedException(epoch, e.path(), e.detail() + "; 'bin/epochal verify "
          + ShellWords.location(jobDir) + "' shows every check" + other, e);
    } catch (CheckpointException e) {
      // listed only when the load failed: a missing epoch is the user's to fix, with the ones that exist
      List<CheckpointEntry> all = store.list();
      if (all.stream().anyMatch(c -> c.epoch() == epoch)) {
        throw e;
      }
      throw missing(all);
    }
  }

  /**
   * The refusal of a named checkpoint that does not exist, listing those of {@code listed} (the
   * job's published checkpoints, or its moved-aside ones).
   */
  ConfigException missing(List<CheckpointEntry> listed) {
    boolean aside = movedAside != null;
    String held;
    if (isMidEpoch()) {
      return new ConfigException("checkpoint", this + " does not exist; " + JobSpecResolver.locationText(jobDir)
          + (listed.isEmpty() ? " holds no mid-epoch checkpoint (the next epoch checkpoint replaces it)"
          : " holds mid-epoch checkpoint " + listed.stream().map(c -> new Path(c.path()).getName())
          .collect(Collectors.joining(", ")) + " (a newer one replaces it, as the epoch's checkpoint does)")
          + "; give it, or the job directory for its newest verified checkpoint");
    }
    if (listed.isEmpty()) {
      held = aside ? " holds no damaged checkpoint moved aside" : " holds no checkpoint";
    } else {
      held = (aside ? " holds the moved-aside checkpoint" : " holds checkpoints of epoch")
          + (listed.size() == 1 ? " " : "s ") + listed.stream()
          .map(c -> aside ? new Path(c.path()).getName() : Long.toString(c.epoch())).collect(Collectors.joining(", "));
    }
    return new ConfigException("checkpoint", this + " does not exist; " + JobSpecResolver.locationText(jobDir) + held
        + "; give one of them, or the job directory for its newest verified checkpoint");
  }

  @Override
  public String toString() {
    String dir = JobSpecResolver.locationText(jobDir);
    if (movedAside != null) {
      return dir + "/checkpoints/" + movedAside;
    }
    if (best) {
      return dir + "/checkpoints/" + BestCheckpoint.NAME;
    }
    return epoch >= 0 ? dir + "/" + series.directory() + "/" + series.name(epoch) : dir;
  }
}
