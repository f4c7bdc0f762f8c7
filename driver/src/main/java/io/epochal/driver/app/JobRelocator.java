package io.epochal.driver.app;

import io.epochal.driver.cli.JobAmendment;
import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.config.ShellWords;
import io.epochal.job.JobPaths;
import io.epochal.params.HyperParameters;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Where a stored job lives and reads its data. A job directory whose {@code job.json} names another
 * {@code job.dir} is a copy (the original still holds its {@code job.json}) or a move (it does
 * not): a copy is never resumed, since two copies of one job would train apart; a move is resumed
 * with {@code --relocate}. Data that moved is resumed with {@code --data}. Either way the stored
 * keys get the new locations and nothing else changes.
 */
final class JobRelocator {

  private final Configuration conf;
  private final PrintStream err;

  JobRelocator(Configuration conf, PrintStream err) {
    this.conf = conf;
    this.err = err;
  }

  /**
   * Why {@code dir} cannot be resumed as the job its stored keys describe, if their {@code job.dir}
   * is another directory: moved or copied, with the command that fits.
   */
  Optional<String> foreignJobDir(HyperParameters stored, Path qualifiedDir) {
    return foreign(stored, qualifiedDir).map(Foreign::reason);
  }

  /** As {@link #foreignJobDir(HyperParameters, Path)}, with whether the directory was moved there. */
  Optional<Foreign> foreign(HyperParameters stored, Path qualifiedDir) {
    return foreign(stored, qualifiedDir, JobAmendment.NONE);
  }

  /**
   * A job directory whose {@code job.json} names another {@code job.dir}: why it cannot be resumed
   * as it is, and whether that other directory still holds the job (a copy), no longer does (a
   * move), or cannot be checked now (empty).
   */
  record Foreign(String reason, Optional<Boolean> originalHoldsJob) {

    /** Whether the job directory was moved here: its original no longer holds the job. */
    boolean moved() {
      return originalHoldsJob.isPresent() && !originalHoldsJob.get();
    }

    /** Whether it is a copy: its original still holds the job (a move, or no answer, is not). */
    boolean copy() {
      return originalHoldsJob.orElse(false);
    }
  }

  /**
   * {@link #foreignJobDir(HyperParameters, Path)} for a resume asking for {@code amendment}, whose
   * options the suggested command repeats.
   */
  private Optional<Foreign> foreign(HyperParameters stored, Path qualifiedDir, JobAmendment amendment) {
    Object named = stored.asMap().get(JobKeys.JOB_DIR);
    if (named == null || JobLocations.samePlace(named.toString(), qualifiedDir.toString(), conf)) {
      return Optional.empty();
    }
    StringBuilder again = new StringBuilder();
    amendment.epochs().ifPresent(n -> again.append(" --epochs ").append(n));
    amendment.dataPath().ifPresent(d -> again.append(" --data ").append(ShellWords.quote(d)));
    amendment.settings().forEach((k, v) -> again.append(" --set ").append(ShellWords.quote(k + "=" + v)));
    String relocate = "'bin/epochal resume " + ShellWords.location(qualifiedDir) + " --relocate" + again + "'";
    Optional<Boolean> holdsJob = originalHoldsJob(named.toString(), stored);
    Optional<String> relocatedTo = holdsJob.orElse(true) ? Optional.empty()
        : relocatedElsewhere(named.toString(), qualifiedDir, stored);
    if (relocatedTo.isPresent()) { // a copy of a job a resume moved on, or a second copy after the move
      return Optional.of(new Foreign("its job.json names job.dir " + named + ", from which a resume relocated the job "
          + "to " + relocatedTo.get() + " (" + JobPaths.RELOCATED + " there): this directory is a copy; resume the job "
          + "at " + relocatedTo.get() + ", or train a new job in another job.dir", Optional.of(true)));
    }
    return Optional.of(new Foreign(holdsJob.map(holds -> holds
        ? "its job.json belongs to the job at " + named + " (job.dir), which still holds it: this directory is a "
            + "copy; resume the job at " + named + ", or train a new job in another job.dir (this one holds the copy's "
            + "job.json and checkpoints)"
        : "its job.json names job.dir " + named + ", which no longer holds this job: the job directory was moved "
            + "here; resume it here with " + relocate)
        .orElseGet(() -> "its job.json belongs to the job at " + named + " (job.dir), which cannot be checked now: "
            + "if the job directory was moved here, resume it with " + relocate + "; if this is a copy, resume the "
            + "job at " + named), holdsJob));
  }

  /**
   * The stored keys of the job in {@code qualifiedDir} with {@code amendment}'s locations applied: {@code
   * job.dir} set to {@code qualifiedDir} for a moved directory, {@code data.path} to the new data.
   *
   * @throws ConfigException if the directory is a copy or was moved without {@code --relocate}
   */
  HyperParameters apply(HyperParameters stored, Path qualifiedDir, JobAmendment amendment) {
    HyperParameters.Builder moved = HyperParameters.builder().putAll(stored);
    Optional<Foreign> foreign = foreign(stored, qualifiedDir, amendment);
    if (foreign.isPresent()) {
      String named = stored.getString(JobKeys.JOB_DIR);
      if (!amendment.directoryMoved()) {
        throw new ConfigException("job-dir", "cannot resume " + qualifiedDir + ": " + foreign.get().reason());
      }
      Optional<Boolean> holds = foreign.get().originalHoldsJob();
      if (holds.orElse(false)) {
        throw new ConfigException("--relocate", "cannot relocate the job at " + named + " to " + qualifiedDir + ": "
            + (foreign.get().reason().contains(JobPaths.RELOCATED) ? foreign.get().reason() + "; two copies of one "
            + "job would train apart" : named + " still holds it (its job.json), so this directory is a copy, and two "
            + "copies of one job would train apart; resume the job at " + named + ", or, to continue it here instead, "
            + "remove " + named + " first and run this again"));
      }
      if (holds.isEmpty()) {
        err.println("epochal: warning: cannot check " + named + " (the job.dir in job.json); relocating the job to "
            + qualifiedDir + " as --relocate says it was moved");
      }
      refuseInsideAnotherJob(qualifiedDir, named);
      moved.put(JobKeys.JOB_DIR, JobSpecResolver.qualify(JobKeys.JOB_DIR, qualifiedDir.toString(), conf));
    } else if (amendment.directoryMoved()) {
      err.println("epochal: --relocate: job.json already names " + qualifiedDir + "; the directory needs no "
          + "relocation");
    }
    if (amendment.dataPath().isPresent()) {
      moved.put(JobKeys.DATA_PATH, JobSpecResolver.qualify(JobKeys.DATA_PATH, amendment.dataPath().get(), conf));
    }
    return moved.build();
  }

  /**
   * Refuses to relocate the job to {@code qualifiedDir} when it lies inside another job's directory:
   * {@code status} and {@code resume --all} stop at the first {@code job.json} on the way down, so
   * the job would never be listed, or resumed, again. One that cannot be checked is left to the run.
   */
  private void refuseInsideAnotherJob(Path qualifiedDir, String named) {
    Optional<Path> enclosing;
    try {
      enclosing = JobNesting.enclosingJob(qualifiedDir.getFileSystem(conf), qualifiedDir);
    } catch (IOException | RuntimeException e) {
      return;
    }
    if (enclosing.isPresent()) {
      throw new ConfigException("--relocate", "cannot relocate the job at " + named + " to " + qualifiedDir + ": it "
          + "is inside the directory of job " + enclosing.get() + " (it holds job.json), where 'status' and 'resume "
          + "--all' would list only that job, never this one; move the directory outside every job directory and "
          + "resume it there with --relocate");
    }
  }

  /**
   * Where a resume relocated the job of {@code stored} from {@code named} to, when that is not {@code
   * qualifiedDir}: the note {@code relocated.json} it left in {@code named} names it. It counts unless
   * that directory can be read and holds another job, or nothing of the job at all (no {@code job.json},
   * no note that it moved on); one that cannot be checked, or a note that cannot be read, counts. Empty
   * without a note.
   */
  private Optional<String> relocatedElsewhere(String named, Path qualifiedDir, HyperParameters stored) {
    Optional<io.epochal.driver.config.RelocationNote> note;
    try {
      Path original = new Path(named);
      note = io.epochal.driver.config.RelocationNote.read(original.getFileSystem(conf), original);
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // the original cannot be read: originalHoldsJob said so already
    }
    if (note.isEmpty() || JobLocations.samePlace(note.get().movedTo(), qualifiedDir.toString(), conf)) {
      return Optional.empty();
    }
    String to = note.get().movedTo();
    try {
      Path target = new Path(to);
      org.apache.hadoop.fs.FileSystem fs = target.getFileSystem(conf);
      Optional<io.epochal.job.JobSpec> there = new io.epochal.job.JobSpecStore(fs, target).read();
      if (there.isPresent()) {
        return identity(there.get().getHyperParameters()).equals(identity(stored)) ? Optional.of(to)
            : Optional.empty(); // another job trained there since
      }
      return io.epochal.driver.config.RelocationNote.read(fs, target).isPresent() ? Optional.of(to) // moved on
          : Optional.empty(); // the relocated job is gone
    } catch (IOException | RuntimeException e) {
      return Optional.of(to); // cannot be checked: taken for a copy, never resumed beside the job
    }
  }

  /** What the epochs of the job of {@code stored} compute from: its keys but the amendable ones, in order. */
  static String identity(HyperParameters stored) {
    return new java.util.TreeMap<>(JobKeys.withoutAmendable(stored).asMap()).toString();
  }

  /**
   * Whether the job directory {@code named} still holds the job of {@code stored}: a {@code
   * job.json} that trains the same (equal but for the amendable keys; another job started there
   * since is not this one). Empty if that cannot be told.
   */
  private Optional<Boolean> originalHoldsJob(String named, HyperParameters stored) {
    try {
      Path original = new Path(named);
      Optional<io.epochal.job.JobSpec> there = new io.epochal.job.JobSpecStore(original.getFileSystem(conf),
          original).read();
      return Optional.of(there.isPresent() && JobKeys.withoutAmendable(there.get().getHyperParameters())
          .equals(JobKeys.withoutAmendable(stored)));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}
