package io.epochal.driver.app;

import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.HadoopCheckpointStore;
import io.epochal.driver.cli.CliOptions;
import io.epochal.driver.cli.JobAmendment;
import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.DataPathCheck;
import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.config.ShellWords;
import io.epochal.job.JobSpecStore;
import io.epochal.params.HyperParameters;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A resume checked as far as it can be before Spark starts: the stored spec, read from the job
 * directory, with its amendment ({@code --relocate}, {@code --data}, {@code --epochs}, {@code --set})
 * and the run's Spark conf applied and validated, and the data path checked. The resume trains
 * {@link #spec()}; {@code resume --dry-run} prints it. Nothing is written here.
 */
final class PreparedResume {

  private final Path jobDir;
  private final io.epochal.job.JobSpec stored;
  private final HyperParameters keys;
  private final JobSpec spec;
  private final Map<String, String> placement;

  private PreparedResume(Path jobDir, io.epochal.job.JobSpec stored, HyperParameters keys, JobSpec spec,
      Map<String, String> placement) {
    this.jobDir = jobDir;
    this.stored = stored;
    this.keys = keys;
    this.spec = spec;
    this.placement = java.util.Collections.unmodifiableMap(new TreeMap<>(placement));
  }

  /**
   * The Spark conf a resume of the job in {@code qualified} (stored keys {@code stored}, {@code
   * keys} with this resume's locations) checks against its keys: {@code sparkConf} without the
   * {@code spark.epochal.*} entries that restate its stored keys or give a value a past resume
   * amended away (said on {@code err}). {@code resume --all --dry-run} shows what they do to each job
   * with it, as each job's resume will.
   */
  static Map<String, String> sparkConfOfResume(Map<String, String> sparkConf, HyperParameters stored,
      HyperParameters keys, Path qualified, Configuration conf, PrintStream err) {
    return withoutAmendedAway(ResumeConfCheck.withoutRestated(sparkConf, stored, keys, conf), keys, qualified, conf,
        err);
  }

  /**
   * {@code sparkConf} without the {@code spark.epochal.*} entries that give a value a resume of the
   * job amended away since: the command line that started the job, run again to resume it (a
   * supervised spark-submit), still carries them, and the job continues as amended, saying so. An
   * entry with any other value stays (an amendment of a retention key, or refused).
   */
  private static Map<String, String> withoutAmendedAway(Map<String, String> sparkConf, HyperParameters keys,
      Path jobDir, Configuration conf, PrintStream err) {
    AmendmentHistory history = AmendmentHistory.of(jobDir, conf);
    Map<String, String> kept = new TreeMap<>(sparkConf);
    List<String> said = new java.util.ArrayList<>();
    sparkConf.forEach((k, v) -> {
      String key = k.startsWith(JobKeys.SPARK_CONF_PREFIX) ? k.substring(JobKeys.SPARK_CONF_PREFIX.length()) : null;
      if (key == null || !history.amendedAway(key, v)) {
        return;
      }
      // a key amended to none is not stored: the entry differs unless it too says none
      Object now = keys.asMap().get(key);
      if (now == null ? !ResumeConfCheck.restatesAbsentKey(key, v, keys)
          : !ResumeConfCheck.sameValue(key, now, v, conf)) {
        kept.remove(k);
        said.add(key + "=" + (now == null ? "(not set)" : now) + " (Spark conf: " + v + ")");
      }
    });
    if (!said.isEmpty()) {
      err.println("epochal: warning: " + ShellWords.location(jobDir) + " was amended by a resume since its Spark conf "
          + "was written; the job continues as amended: " + String.join(", ", said) + " (--set KEY=VALUE or --epochs N "
          + "changes them again)");
    }
    return kept;
  }

  /**
   * Reads {@code jobDir}'s job.json and applies {@code amendment} and {@code options}' Spark conf.
   *
   * @throws ConfigException naming the key or option when the resume would be refused
   */
  static PreparedResume of(URI jobDir, JobAmendment amendment, CliOptions options, PrintStream err)
      throws IOException {
    return of(jobDir, amendment, options, err, true);
  }

  /**
   * As {@link #of(URI, JobAmendment, CliOptions, PrintStream)}; without the Spark conf's {@code spark.epochal.*}
   * entries unless {@code confJobKeys}: for {@code train} of the job its directory holds, whose spec took them
   * already, below its job file's keys and options (its placement keys come in {@code amendment}).
   */
  static PreparedResume of(URI jobDir, JobAmendment amendment, CliOptions options, PrintStream err,
      boolean confJobKeys) throws IOException {
    Configuration conf = options.hadoopConfiguration();
    Path dir = new Path(jobDir);
    FileSystem fs = dir.getFileSystem(conf);
    Optional<io.epochal.job.JobSpec> stored = new JobSpecStore(fs, dir).read();
    if (stored.isEmpty()) {
      for (Path up = dir.getParent(); up != null; up = up.getParent()) {
        if (fs.exists(io.epochal.job.JobPaths.jobSpec(up))) {
          throw new ConfigException("job-dir", CheckpointTarget.shown(jobDir) + " is inside the Epochal job directory "
              + io.epochal.driver.config.JobSpecResolver.locationText(up) + ", not one "
              + "itself; a resume continues a whole job: bin/epochal resume " + ShellWords.location(up));
        }
      }
      Optional<io.epochal.driver.config.RelocationNote> moved = io.epochal.driver.config.RelocationNote.read(fs, dir);
      if (moved.isPresent()) {
        throw new ConfigException("job-dir", jobDir + " holds no job: " + moved.get().refusal(dir));
      }
      if (!fs.exists(dir)) {
        throw new ConfigException("job-dir", jobDir + " does not exist; give the directory of an Epochal job "
            + "('bin/epochal status <root>' lists the jobs under a directory)");
      }
      if (fs.getFileStatus(dir).isFile()) {
        throw new ConfigException("job-dir", jobDir + " is a file; give the directory of an Epochal job");
      }
      if (JobFinder.holdsCheckpoints(fs, dir)) { // Epochal's: a checkpoints/ folder of another tool is no job's
        throw new ConfigException("job-dir", jobDir + " holds checkpoints but no job.json (it was lost?), and a "
            + "resume reads its spec from job.json: 'bin/epochal inspect " + ShellWords.location(dir) + "' shows the "
            + "newest checkpoint and the spec it was trained with; 'bin/epochal train' with that spec and job.dir "
            + "continues it");
      }
      JobFinder.Found under = JobFinder.find(fs, dir);
      if (!under.jobs().isEmpty()) {
        throw new ConfigException("job-dir", jobDir + " holds no job.json itself, but " + under.jobs().size()
            + " job" + (under.jobs().size() == 1 ? "" : "s") + " under it (" + String.join(", ", under.jobs().keySet()
            .stream().limit(3).toList()) + (under.jobs().size() > 3 ? ", ..." : "") + "): resume one by its own "
            + "directory, or every one that needs it with 'bin/epochal resume --all " + ShellWords.location(dir)
            + "'");
      }
      throw new ConfigException("job-dir", jobDir + " holds no job.json; it is not an Epochal job directory. "
          + "Start a job with 'bin/epochal train <job.properties>'");
    }
    HyperParameters storedKeys = stored.get().getHyperParameters();
    Path qualified = fs.makeQualified(dir);
    refuseModelKeepingStateOutside(fs, dir, qualified);
    HyperParameters keys = new JobRelocator(conf, err).apply(storedKeys, qualified, amendment);
    if (amendment.epochs().isPresent()) {
      keys = withEpochs(keys, amendment.epochs().getAsInt(), qualified, IntactCheckpoints.of(qualified, conf), err);
    }
    Map<String, String> given = new TreeMap<>(options.effectiveSparkConf());
    if (!confJobKeys) {
      given.keySet().removeIf(k -> k.startsWith(JobKeys.SPARK_CONF_PREFIX));
    }
    Map<String, String> sparkConf = sparkConfOfResume(given, storedKeys, keys, qualified, conf,
        err);
    Map<String, String> settings = new TreeMap<>(ResumeConfCheck.check(sparkConf, keys, qualified.toString(), conf));
    // placement keys are this run's own (not in job.json): from the Spark conf and --set
    Map<String, String> placement = new TreeMap<>(ResumeConfCheck.placement(sparkConf));
    java.util.List<ConfigException> refused = new java.util.ArrayList<>();
    for (Map.Entry<String, String> set : amendment.settings().entrySet()) {
      if (JobKeys.isPlacement(set.getKey())) {
        placement.put(set.getKey(), set.getValue());
      } else {
        try {
          if (ResumeConfCheck.checkSettable(set.getKey(), set.getValue(), keys, conf)) {
            settings.remove(set.getKey()); // the job's own value (a place as it was given): job.json keeps it
            continue;
          }
        } catch (ConfigException e) {
          refused.add(e); // every refused --set at once, as the Spark conf's are
          continue;
        }
        if (!ResumeConfCheck.restatesAbsentKey(set.getKey(), set.getValue(), keys)) {
          settings.put(set.getKey(), set.getValue());
        } else {
          settings.remove(set.getKey()); // stays without the key, as job.json has it: --set wins over the Spark conf
        }
      }
    }
    if (!refused.isEmpty()) {
      throw ConfigException.of(refused);
    }
    String heldOut = settings.get(JobKeys.DATA_VALIDATION_PATH);
    if (heldOut != null && !heldOut.isBlank()) {
      // as train stores it: the same rows to every later resume, whatever its working directory
      settings.put(JobKeys.DATA_VALIDATION_PATH, JobSpecResolver.qualify(JobKeys.DATA_VALIDATION_PATH, heldOut.trim(),
          conf));
    }
    Map<String, String> texts = new TreeMap<>(placement);
    texts.putAll(settings);
    JobSpec spec;
    if (texts.isEmpty()) {
      spec = JobSpec.fromHyperParameters(keys, new RegistryModelCatalog());
    } else {
      spec = JobSpec.fromHyperParameters(keys, texts, key -> amendment.settings().containsKey(key) ? "--set " + key
          : "--conf " + JobKeys.SPARK_CONF_PREFIX + key, new RegistryModelCatalog());
      if (!settings.isEmpty()) {
        keys = spec.toHyperParameters(); // placement keys are not part of it
      }
    }
    try {
      DataPathCheck.check(spec, conf, false);
    } catch (ConfigException e) {
      if (JobKeys.DATA_VALIDATION_PATH.equals(e.key())) {
        throw new ConfigException(e.key(), e.getMessage() + " (" + (amendment.settings().containsKey(e.key())
            ? "as --set gives it" : "the " + e.key() + " in " + qualified + "/job.json; "
            + io.epochal.driver.config.HeldOutAdvice.of(keys, ShellWords.location(qualified))) + ")", e);
      }
      if (!JobKeys.DATA_PATH.equals(e.key())) {
        throw e; // the job directory itself (a file, not writable): nothing about the data
      }
      // held-out rows given anew (--set, --conf) to a job not marked COMPLETED are read with its training rows
      if (amendment.dataPath().isEmpty() && (!changesHeldOut(storedKeys, keys) || isCompleted(fs, dir))
          && !amendment.directoryMoved()
          && IntactCheckpoints.of(qualified, conf).newest >= spec.epochs()
          && e.getMessage().contains("' does not exist")) { // nothing to train: the run reads no rows
        err.println("epochal: warning: " + e.getMessage().replaceFirst("; point data.path .*$", "") + ", but every "
            + "epoch of the job is committed: the resume trains nothing and reads no rows");
        return new PreparedResume(qualified, stored.get(), keys, spec, placement);
      }
      throw new ConfigException(e.key(), e.getMessage() + " (the data.path in " + qualified + "/job.json"
          + (amendment.dataPath().isPresent() ? ", as --data gives it)" : "); if the job's data moved, resume with "
          + "--data <its new location>"), e);
    }
    return new PreparedResume(qualified, stored.get(), keys, spec, placement);
  }

  /** Whether the job in {@code dir} is marked COMPLETED (false when its state cannot be read). */
  static boolean isCompleted(FileSystem fs, Path dir) {
    try {
      return new io.epochal.job.JobStateStore(fs, dir).read().map(st -> st.getState()
          == io.epochal.job.JobState.COMPLETED).orElse(false);
    } catch (IOException | RuntimeException e) {
      return false; // the run reads the rows it needs; the refusal names the data
    }
  }

  /** Whether the job is FAILED because a worker found its model keeping state outside its state dict. */
  static boolean modelKeepsStateOutside(java.util.Optional<io.epochal.job.JobStatus> status) {
    return status.isPresent() && status.get().getState() == io.epochal.job.JobState.FAILED
        && status.get().getReason() != null
        && status.get().getReason().contains(io.epochal.worker.model.StateOutsideStateDictException.MARKER);
  }

  /**
   * Refuses a job whose last run found that its model keeps state outside its state dict: every
   * resume would start that state afresh and train on to other weights than one uninterrupted run
   * (and, one epoch per resume, to a COMPLETED job whose checkpoints all verify).
   */
  static void refuseModelKeepingStateOutside(FileSystem fs, Path dir, Path qualified) throws IOException {
    java.util.Optional<io.epochal.job.JobStatus> status = new io.epochal.job.JobStateStore(fs, dir).read();
    if (modelKeepsStateOutside(status)) {
      String reason = status.get().getReason();
      throw new ConfigException("job-dir", ShellWords.location(qualified) + " is not resumed: its last run found "
          + reason.substring(reason.indexOf("model ")).split(": ", 2)[0] + ": no checkpoint holds that state, so "
          + "every resume would start it afresh and train to other weights than the job would have. Fix the model "
          + "(register the value through state(), give it a new version(); worker/MODELS.md) and train a new job in "
          + "a new job.dir");
    }
  }

  /**
   * {@code keys} with {@code train.epochs = epochs}, which must be at least the newest epoch whose
   * checkpoint {@code jobDir} holds intact (as far as its listing shows: a damaged newer one is what
   * a resume trains again): a job can go on after its last epoch, or stop earlier, but not before
   * what it already trained.
   */
  private static HyperParameters withEpochs(HyperParameters keys, int epochs, Path jobDir,
      IntactCheckpoints intact, PrintStream err) {
    if (epochs < intact.newest) {
      throw new ConfigException("--epochs", "--epochs " + epochs + " is fewer than the " + intact.newest
          + " epochs " + ShellWords.location(jobDir) + " already committed; give at least " + intact.newest + " (train.epochs is "
          + keys.getLong(JobKeys.EPOCHS) + ")");
    }
    if (!intact.damaged.isEmpty()) {
      err.println("epochal: warning: " + ShellWords.location(jobDir) + ": " + intact.damagedText() + "; --epochs " + epochs
          + " counts from epoch " + intact.newest + ", the newest intact one, and the resume trains from there");
    }
    return HyperParameters.builder().putAll(keys).put(JobKeys.EPOCHS, (long) epochs).build();
  }

  /** The job directory, qualified. */
  Path jobDir() {
    return jobDir;
  }

  /** The spec the resume trains: the stored one, amended, with this run's placement keys. */
  JobSpec spec() {
    return spec;
  }

  /** The stored spec when the resume changes job.json, else empty. */
  Optional<io.epochal.job.JobSpec> amendedFrom() {
    return keys.equals(stored.getHyperParameters()) ? Optional.empty() : Optional.of(stored);
  }

  /** How job.json would change, one {@code key: old -> new} line each; empty when it stays. */
  List<String> changes() {
    return stored.getHyperParameters().diff(keys);
  }

  /** Whether the resume changes the job's {@code train.epochs} ({@code --epochs}). */
  boolean amendsEpochs() {
    return !java.util.Objects.equals(stored.getHyperParameters().asMap().get(JobKeys.EPOCHS),
        keys.asMap().get(JobKeys.EPOCHS));
  }

  /** Whether the resume moves the job's {@code data.path} ({@code --data}, {@code --relocate}). */
  boolean changesData() {
    return !java.util.Objects.equals(stored.getHyperParameters().asMap().get(JobKeys.DATA_PATH),
        keys.asMap().get(JobKeys.DATA_PATH));
  }

  /** Whether the resume gives the job other held-out rows ({@code --set data.validation_path=<path>}), not none. */
  boolean changesHeldOut() {
    return changesHeldOut(stored.getHyperParameters(), keys);
  }

  /** Whether {@code keys} name other held-out rows than {@code stored} does, not none. */
  private static boolean changesHeldOut(HyperParameters stored, HyperParameters keys) {
    Object given = keys.asMap().get(JobKeys.DATA_VALIDATION_PATH);
    return given != null && !given.toString().isBlank() && !given.equals(stored.asMap()
        .get(JobKeys.DATA_VALIDATION_PATH));
  }

  /**
   * Whether the resume gives the job held-out rows it never measured: {@link #changesHeldOut}, for a job whose
   * schedule plateau does not follow them (its are the same rows moved).
   */
  boolean givesNewHeldOut() {
    return changesHeldOut() && io.epochal.driver.config.HeldOutAdvice.plateauMonitor(keys) == null;
  }

  /** The placement keys this run sets (never stored). */
  Map<String, String> placement() {
    return placement;
  }

  /**
   * The newest checkpoint whose listing shows it intact, and the damaged ones after it: the bound
   * {@code --epochs} must reach, without hashing every file as the resume does.
   */
  private static final class IntactCheckpoints {
    final long newest;
    final List<Long> damaged;

    private IntactCheckpoints(long newest, List<Long> damaged) {
      this.newest = newest;
      this.damaged = List.copyOf(damaged);
    }

    static IntactCheckpoints of(Path jobDir, Configuration conf) throws IOException {
      List<CheckpointEntry> listed;
      try (CheckpointStore store = HadoopCheckpointStore.builder().setJobDir(jobDir.toString())
          .optConfiguration(conf).build()) {
        listed = store.list();
      }
      FileSystem fs = jobDir.getFileSystem(conf);
      List<Long> damaged = new ArrayList<>();
      for (int i = listed.size() - 1; i >= 0; i--) {
        if (VisibleDamage.visibleDamage(fs, listed.get(i)).isEmpty()) {
          return new IntactCheckpoints(listed.get(i).epoch(), damaged);
        }
        damaged.add(listed.get(i).epoch());
      }
      return new IntactCheckpoints(0, damaged);
    }

    String damagedText() {
      List<String> epochs = damaged.stream().map(String::valueOf).toList();
      return "the checkpoint" + (epochs.size() == 1 ? "" : "s") + " of epoch " + String.join(", ", epochs)
          + (epochs.size() == 1 ? " is" : " are") + " damaged";
    }
  }
}
