package io.epochal.driver.app;

import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.driver.cli.ExitCodes;
import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.config.ShellWords;
import io.epochal.driver.train.LostJobSpec;
import io.epochal.job.JobSpecStore;
import io.epochal.params.HyperParameters;
import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A {@code train} request against a job directory that may already hold a job: the request as that
 * directory's {@code job.json} writes it, and a request that differs from it reported with the
 * differences and what may change.
 */
final class ExistingJob {

  private ExistingJob() {}

  /**
   * {@code spec} with {@code job.dir}, {@code data.path}, {@code data.validation_path} and {@code init.weights}
   * written as its job directory's {@code job.json} writes them, where both name the same place: a job file may give
   * a place another way (a relative path, a symbolic link, {@code file:/} or {@code file:///}, an HA nameservice or
   * its NameNode). A job
   * stored without {@code data.row_order} (or whose checkpoints were trained without it, when its
   * {@code job.json} is lost) keeps Spark's read order.
   */
  static JobSpec asStored(JobSpec spec, Optional<io.epochal.job.JobSpec> stored, Configuration conf,
      PrintStream err) throws IOException {
    JobSpec same = asStored(spec, stored, conf);
    return stored.isPresent() ? withAmendments(same, stored.get(), conf, err) : same;
  }

  /**
   * {@code spec} with the values its job's resumes amended since: when those are all it differs in
   * from the stored {@code job.json}, the command that started the job, run again (a supervised
   * restart, a retried spark-submit), continues the job as amended, saying so on {@code err}. A
   * difference in a key no resume amended, or to a value no resume amended it away from, is the
   * caller's to refuse (a new value in a job file changes nothing by itself; a resume with --set
   * does), and the amended keys holding their old values are no part of it.
   */
  private static JobSpec withAmendments(JobSpec spec, io.epochal.job.JobSpec stored, Configuration conf,
      PrintStream err) throws IOException {
    io.epochal.job.JobSpec given = spec.toStored();
    List<String> differences = stored.diff(given);
    if (differences.isEmpty()) {
      return spec;
    }
    Path dir = new Path(spec.jobDir());
    AmendmentHistory history = AmendmentHistory.of(dir, conf);
    HyperParameters kept = stored.getHyperParameters();
    HyperParameters.Builder b = HyperParameters.builder().putAll(spec.toHyperParameters()).putAll(spec.placement());
    List<String> said = new java.util.ArrayList<>();
    boolean refused = false;
    for (String line : differences) {
      String key = line.substring(0, Math.max(0, line.indexOf(": ")));
      // only the value a resume amended away (or no value, for a key it set anew) is the old command's:
      // another one is a change asked for now
      Object value = given.getHyperParameters().asMap().get(key);
      boolean away = history.amendedAway(key, value == null ? AmendmentHistory.NO_VALUE : String.valueOf(value))
          // a key added since the job was stored, at its default: the value it had before a resume set it
          || JobKeys.addedAtDefault(key, value) && history.amendedAway(key, AmendmentHistory.NO_VALUE);
      if (!JobKeys.isAmendable(key) || key.equals(JobKeys.JOB_DIR) || !away
          || !kept.contains(key) && value == null) {
        refused = true; // the caller names this difference
        continue;
      }
      if (kept.contains(key)) {
        b.put(key, kept.asMap().get(key));
      } else {
        b.remove(key); // amended to none (no early stopping, no held-out rows), which the job stores as no key
      }
      said.add(key + "=" + (kept.contains(key) ? kept.asMap().get(key) : "(not set)") + " (this spec: "
          + spec.toHyperParameters().asMap().get(key) + ")");
    }
    if (said.isEmpty()) {
      return spec;
    }
    if (refused) {
      // refused for the other keys alone: the amended ones are the job's, not a difference to fix
      return JobSpec.fromHyperParameters(b.build(), new RegistryModelCatalog());
    }
    err.println("epochal: warning: " + ShellWords.location(dir) + " was amended by a resume since this spec started it;"
        + " the job continues as amended: " + String.join(", ", said) + " (bin/epochal resume "
        + ShellWords.location(dir) + " --set KEY=VALUE, or --epochs N, changes them again)");
    return JobSpec.fromHyperParameters(b.build(), new RegistryModelCatalog());
  }

  private static JobSpec asStored(JobSpec spec, Optional<io.epochal.job.JobSpec> stored, Configuration conf)
      throws IOException {
    if (stored.isEmpty()) {
      // a directory that lost its job.json: its checkpoints say which row order it was trained with
      try (CheckpointStore store = HadoopCheckpointStore.builder().setJobDir(spec.jobDir().toString())
          .optConfiguration(conf).build()) {
        List<io.epochal.checkpoint.CheckpointEntry> entries = store.list();
        refuseCopy(spec, entries, conf);
        return LostJobSpec.asTrained(spec, entries);
      }
    }
    if (!stored.get().getHyperParameters().contains(JobKeys.DATA_ROW_ORDER)) {
      spec = spec.forJobWithoutRowOrder(); // created before data.row_order existed: it keeps Spark's read order
    }
    spec = spec.asStoredWithout(stored.get().getHyperParameters().asMap().keySet()); // keys added since, at defaults
    HyperParameters requested = spec.toHyperParameters();
    HyperParameters.Builder same = HyperParameters.builder().putAll(requested).putAll(spec.placement());
    boolean changed = false;
    for (String key : ResumeConfCheck.LOCATIONS) {
      Object kept = stored.get().getHyperParameters().asMap().get(key);
      String given = requested.contains(key) ? requested.getString(key) : "";
      if (kept != null && !given.isBlank() && !kept.toString().equals(given)
          && JobLocations.samePlace(kept.toString(), given, conf)) {
        same.put(key, kept.toString());
        changed = true;
      }
    }
    return changed ? JobSpec.fromHyperParameters(same.build(), new RegistryModelCatalog()) : spec;
  }

  /**
   * Refuses to train {@code spec} in a directory without {@code job.json} whose newest readable
   * checkpoint was trained by the job of another {@code job.dir} that still holds it: the directory
   * is a copy of that job (its {@code job.json} deleted), and a copy is never continued.
   */
  private static void refuseCopy(JobSpec spec, List<io.epochal.checkpoint.CheckpointEntry> entries,
      Configuration conf) throws IOException {
    for (int i = entries.size() - 1; i >= 0; i--) {
      if (entries.get(i).manifest().isPresent()) {
        Path dir = new Path(spec.jobDir());
        Optional<JobRelocator.Foreign> foreign = new JobRelocator(conf, System.err)
            .foreign(entries.get(i).manifest().get().hyperParameters(), dir.getFileSystem(conf).makeQualified(dir));
        if (foreign.isPresent() && foreign.get().copy()) {
          Object original = entries.get(i).manifest().get().hyperParameters().asMap().get(JobKeys.JOB_DIR);
          throw new io.epochal.driver.config.ConfigException(JobKeys.JOB_DIR, "job.dir " + spec.jobDirText()
              + " holds no job.json, and its checkpoints (newest readable: epoch " + entries.get(i).epoch()
              + ") were trained by the job at " + original + ", which still holds it: this directory is a copy of "
              + "that job, and a copy is never continued (the two would train apart); resume the job at " + original
              + ", or train in a new job.dir. Nothing was written");
        }
        return;
      }
    }
  }

  /** The spec stored in {@code spec}'s job directory, if any. */
  static Optional<io.epochal.job.JobSpec> storedSpec(JobSpec spec, Configuration conf) throws IOException {
    Path dir = new Path(spec.jobDir());
    return new JobSpecStore(dir.getFileSystem(conf), dir).read();
  }

  /** Whether location {@code path} exists; an unreadable one counts as existing (the resume says what is wrong). */
  private static boolean exists(String path, Configuration conf) {
    try {
      Path p = new Path(path);
      return p.getFileSystem(conf).exists(p);
    } catch (IOException | RuntimeException unreadable) {
      return true;
    }
  }

  /**
   * Reports on {@code err} that {@code file} holds another spec than {@code spec}, with the
   * differences and, when they may change on the existing job, the resume that changes them.
   *
   * @return the exit code: {@link ExitCodes#USAGE}
   */
  static int reportMismatch(PrintStream err, Path file, List<String> differences, JobSpec spec, Configuration conf,
      io.epochal.driver.cli.CliOptions options) {
    List<String> lines = userFacing(differences);
    boolean trainingKeys = lines.stream().map(l -> l.substring(0, Math.max(0, l.indexOf(": "))))
        .anyMatch(k -> !JobKeys.isAmendable(k));
    err.println("epochal: " + JobSpecResolver.locationText(file) + " already holds a different job spec" + (trainingKeys
        ? "; a job's training hyperparameters never change" : "") + ". Differences (stored -> requested):");
    lines.forEach(line -> err.println("  " + line));
    // with this run's master and Spark conf, but none of its job keys (spark.epochal.*, placement keys kept): a
    // resume refuses a changed one, and the advice is to continue the job as it is stored
    String resume = ResumeCommand.withoutJobKeys(spec, options);
    // a directory moved or copied here by hand: its job.json names where it was
    Optional<JobRelocator.Foreign> foreign = foreign(file, conf, err);
    // a copy is never resumed; where the original cannot be checked, the reason names both cases
    String refusal = foreign.filter(f -> f.copy() || f.originalHoldsJob().isEmpty()).map(f -> (f.copy()
        ? "a resume of this directory is refused: " : "") + f.reason()).orElse(null);
    resume = foreign.isPresent() ? resume + " --relocate" : resume;
    StringBuilder amend = new StringBuilder(resume);
    HyperParameters requested = spec.toHyperParameters();
    for (String line : lines) {
      String key = line.substring(0, Math.max(0, line.indexOf(": ")));
      // one the spec sets to its "none" value is not stored: that value is given
      Optional<Object> given = requested.contains(key) ? Optional.of(requested.get(key)) : spec.resolved(key);
      if (!JobKeys.isAmendable(key) || key.equals(JobKeys.JOB_DIR) || given.isEmpty()) {
        amend = null;
        break;
      }
      String value = io.epochal.driver.config.AmendmentOptions.text(given.get());
      if (key.equals(JobKeys.DATA_PATH) && !exists(value, conf)) { // a typo, not data a resume could move to
        err.println("epochal: data.path " + value + " does not exist: the job keeps the data in its job.json");
        amend = null;
        break;
      }
      long committed = key.equals(JobKeys.EPOCHS) ? committedEpochs(spec, conf) : 0;
      if (committed > spec.epochs()) {
        err.println("epochal: the job already committed " + committed + " epochs, more than train.epochs="
            + spec.epochs() + "; it keeps them: give train.epochs >= " + committed + ", or train this spec in a new "
            + "job.dir");
        return ExitCodes.USAGE;
      }
      amend.append(io.epochal.driver.config.AmendmentOptions.option(key, given.get()));
    }
    if (amend != null) {
      err.println("epochal: these keys can change on the existing job; to continue it with them, run: " + amend
          + (lines.stream().anyMatch(l -> l.startsWith(JobKeys.DATA_PATH + ": ")) ? " (--data takes the same rows "
          + "moved there: a resume refuses other rows; train other data in a new job.dir)" : "")
          + heldOutNote(lines, requested));
    } else if (refusal != null) {
      err.println("epochal: a job directory keeps the hyperparameters it started with; " + refusal);
    } else if (isCompleted(spec, conf)) {
      err.println("epochal: a job directory keeps the hyperparameters it started with, and this job is COMPLETED: "
          + resume + " --epochs N trains more epochs of it unchanged; or choose a new job.dir");
    } else {
      err.println("epochal: a job directory keeps the hyperparameters it started with; to continue it unchanged, "
          + "run: " + resume + " (or choose a new job.dir)");
    }
    return ExitCodes.USAGE;
  }

  /**
   * The note on a changed {@code data.validation_path} of a job whose schedule plateau sets the learning rate by a
   * held-out metric: the resume takes only the same rows moved (an empty string otherwise). The schedule is a
   * training key, so when the resume is offered it is the stored job's.
   */
  private static String heldOutNote(List<String> lines, HyperParameters requested) {
    String monitor = io.epochal.driver.config.HeldOutAdvice.plateauMonitor(requested);
    if (monitor == null || lines.stream().noneMatch(l -> l.startsWith(JobKeys.DATA_VALIDATION_PATH + ": "))) {
      return "";
    }
    return " (" + JobKeys.DATA_VALIDATION_PATH + " takes the same held-out rows moved there: schedule plateau sets "
        + "the learning rate by their " + monitor + ", so a resume refuses other rows; train with others in a new "
        + "job.dir)";
  }

  /** Why the job whose job.json is {@code file} names another job.dir, if it does (empty if unreadable). */
  private static Optional<JobRelocator.Foreign> foreign(Path file, Configuration conf, PrintStream err) {
    try {
      Path dir = file.getParent();
      FileSystem fs = dir.getFileSystem(conf);
      Optional<io.epochal.job.JobSpec> stored = new JobSpecStore(fs, dir).read();
      return stored.isEmpty() ? Optional.empty()
          : new JobRelocator(conf, err).foreign(stored.get().getHyperParameters(), fs.makeQualified(dir));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // the general advice stands
    }
  }

  /** Whether {@code spec}'s job is COMPLETED (false if its state cannot be read: the general advice stands). */
  private static boolean isCompleted(JobSpec spec, Configuration conf) {
    try {
      Path dir = new Path(spec.jobDir());
      return PreparedResume.isCompleted(dir.getFileSystem(conf), dir);
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /** The newest epoch committed in {@code spec}'s job directory (0 if none or unreadable). */
  private static long committedEpochs(JobSpec spec, Configuration conf) {
    try (io.epochal.checkpoint.CheckpointStore store = HadoopCheckpointStore.builder().setJobDir(spec.jobDir().toString())
        .optConfiguration(conf).build()) {
      return store.list().stream().mapToLong(io.epochal.checkpoint.CheckpointEntry::epoch).max().orElse(0);
    } catch (IOException | RuntimeException e) {
      return 0; // the suggestion then stands as it is; the resume checks the epochs itself
    }
  }

  /**
   * The differences between two stored specs as a user reads them: the stored id and name are
   * {@code job.name}, so their lines are dropped when {@code job.name}'s own line is there.
   *
   * @param differences {@link io.epochal.job.JobSpec#diff} of two {@link JobSpec#toStored()} forms
   */
  private static List<String> userFacing(List<String> differences) {
    String nameLine = JobKeys.JOB_NAME + ": ";
    if (differences.stream().noneMatch(d -> d.startsWith(nameLine))) {
      return differences;
    }
    return differences.stream().filter(d -> !d.startsWith("jobId: ") && !d.startsWith("jobName: ")).toList();
  }
}
