package io.epochal.driver.app;

import io.epochal.driver.app.CheckLine.Id;
import io.epochal.checkpoint.CheckpointDeletedException;
import io.epochal.checkpoint.CheckpointEntry;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.checkpoint.VerificationReport;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.driver.train.CheckpointFit;
import io.epochal.params.HyperParameters;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.probe.EngineCompatibility;
import io.epochal.worker.probe.Probe;
import io.epochal.worker.probe.ProbeRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;

/**
 * The checks of {@code epochal verify} on one checkpoint, in order, stopping at the first failure:
 * manifest parses; its format version is supported; every file's size and SHA-256; safetensors
 * structure; model in the registry; runtime versions (a WARN line when DJL, engine or platform
 * differ); names and shapes; optimizer state against the optimizer and the model's trainable
 * parameters; the recorded probe output against the manifest's digest; probe reproduced (bit for bit on the same engine and platform,
 * within {@link EngineCompatibility#CROSS_ENGINE_TOLERANCE} otherwise).
 */
final class CheckpointVerifier {

  private final ModelRegistry registry;
  private final Map<String, String> runtime;
  private final Configuration conf;

  /**
   * @param runtime this process's versions, as {@link EngineCompatibility#currentVersions()}
   * @param conf Hadoop configuration to list a checkpoint's directory with
   */
  CheckpointVerifier(ModelRegistry registry, Map<String, String> runtime, Configuration conf) {
    this.registry = registry;
    this.runtime = runtime;
    this.conf = conf;
  }

  /** Whether {@code entry}'s directory no longer exists (deleted since it was listed). */
  private boolean gone(CheckpointEntry entry) {
    try {
      Path dir = new Path(entry.path());
      return !dir.getFileSystem(conf).exists(dir);
    } catch (java.io.IOException | RuntimeException e) {
      return false;
    }
  }

  /** The check that says a checkpoint was deleted while it was verified: not damage, and no result. */
  static final String DELETED = "checkpoint still there";

  /** Whether {@code lines} say their checkpoint was deleted while it was verified. */
  static boolean deleted(List<CheckLine> lines) {
    return lines.size() == 1 && lines.get(0).check().equals(DELETED);
  }

  /**
   * Every check line of {@code entry}'s checkpoint; one {@link #DELETED} line when it was deleted
   * while it was checked (by the retention of a driver running the job).
   */
  List<CheckLine> verify(CheckpointStore store, CheckpointEntry entry) {
    List<CheckLine> lines = new ArrayList<>();
    try {
      run(store, entry, lines);
      if (lines.stream().anyMatch(l -> l.status() == CheckLine.Status.FAIL) && gone(entry)) {
        throw new CheckpointDeletedException(entry.epoch(), entry.path(), null); // a failure of its absence
      }
    } catch (CheckpointDeletedException e) {
      lines.clear(); // what was checked of it no longer matters
      lines.add(CheckLine.warn(Id.DELETED, DELETED, e.detail()));
    } catch (Exception e) {
      if (gone(entry)) {
        lines.clear();
        lines.add(CheckLine.warn(Id.DELETED,
            DELETED, new CheckpointDeletedException(entry.epoch(), entry.path(), e).detail()));
        return lines;
      }
      lines.add(CheckLine.fail(Id.READABLE, "checkpoint readable and reproducible", e.getClass().getSimpleName() + ": "
          + e.getMessage()));
    }
    return lines;
  }

  private void run(CheckpointStore store, CheckpointEntry entry, List<CheckLine> lines) throws Exception {
    if (entry.manifest().isEmpty()) {
      String problem = entry.manifestProblem().orElse("manifest missing");
      if (problem.contains("format_version")) {
        lines.add(CheckLine.pass(Id.MANIFEST_JSON, "manifest.json is JSON"));
        lines.add(CheckLine.fail(Id.FORMAT_VERSION, "format version supported (this build reads up to "
            + CheckpointManifest.FORMAT_VERSION + ")", problem));
      } else if (problem.contains("manifest_sha256")) {
        lines.add(CheckLine.pass(Id.MANIFEST_JSON, "manifest.json is JSON"));
        lines.add(CheckLine.fail(Id.MANIFEST_DIGEST, "manifest matches its own SHA-256 (manifest_sha256)", problem));
      } else if (problem.contains("is a file, not a checkpoint directory")) {
        lines.add(CheckLine.fail(Id.DIRECTORY, "a checkpoint directory", problem));
      } else if (problem.contains(CheckpointManifest.FILE_NAME + " is missing")) {
        lines.add(CheckLine.fail(Id.MANIFEST_EXISTS, CheckpointManifest.FILE_NAME + " exists", problem));
      } else {
        lines.add(CheckLine.fail(Id.MANIFEST, "manifest parses", problem));
      }
      return;
    }
    CheckpointManifest m = entry.manifest().get();
    lines.add(CheckLine.pass(Id.MANIFEST, "manifest parses"));
    String formatCheck = "format version " + m.formatVersion() + " supported (this build reads up to "
        + CheckpointManifest.FORMAT_VERSION + ")";
    lines.add(newerMinor(m.formatVersion()) ? CheckLine.warn(Id.FORMAT_VERSION, formatCheck, m.formatVersion()
        + " is newer than this build's " + CheckpointManifest.FORMAT_VERSION + ": it is read as "
        + CheckpointManifest.FORMAT_VERSION + ", without what a newer build added to it, and a resume by this build "
        + "writes " + CheckpointManifest.FORMAT_VERSION + " checkpoints")
        : CheckLine.pass(Id.FORMAT_VERSION, formatCheck));
    VerificationReport report = store.verify(entry);
    if (!report.ok()) {
      lines.add(CheckLine.fail(Id.FILES, "every file's size and SHA-256 match the manifest", String.join("; ",
          report.problems())));
      return;
    }
    lines.add(CheckLine.pass(Id.FILES,
        "every file's size and SHA-256 match the manifest (" + m.files().size() + " files)"));
    List<String> unlisted = unlisted(entry, m);
    if (!unlisted.isEmpty()) {
      lines.add(CheckLine.warn(Id.UNLISTED_FILES,
          "files the manifest does not list", "not part of the checkpoint, never read: "
          + String.join(", ", unlisted)));
    }
    LoadedCheckpoint c;
    boolean ema = m.file(CheckpointStore.EMA_FILE).isPresent()
        || m.file(io.epochal.safetensors.SafetensorsIndex.indexName(CheckpointStore.EMA_FILE)).isPresent();
    String structure = "safetensors structure of model, optimizer"
        + (ema ? ", probe and ema files" : " and probe files");
    try {
      c = store.load(entry);
    } catch (CheckpointDeletedException e) {
      throw e;
    } catch (io.epochal.checkpoint.CheckpointException e) {
      lines.add(CheckLine.fail(Id.STRUCTURE, structure, e.getMessage()));
      return;
    }
    lines.add(CheckLine.pass(Id.STRUCTURE, structure));
    int version = Integer.parseInt(m.modelVersion());
    if (!registry.contains(m.modelName(), version)) {
      lines.add(CheckLine.fail(Id.MODEL_REGISTERED, UNREGISTERED_CHECK, m.modelName() + " v" + version
          + " is not registered; registered: " + registry.registered() + notLoaded(registry)
          + "; put the jar that registers it on the class path (EPOCHAL_CLASSPATH=<jar> bin/epochal ...; "
          + "spark-submit --jars)"));
      return;
    }
    lines.add(CheckLine.pass(Id.MODEL_REGISTERED, "model " + m.modelName() + " v" + version + " is registered"));
    EngineCompatibility compat = EngineCompatibility.compare(m.versions(), runtime);
    if (compat.differences().isEmpty()) {
      lines.add(CheckLine.pass(Id.RUNTIME, "written with this runtime (" + runtimeLabel() + ")"));
    } else {
      lines.add(CheckLine.warn(Id.RUNTIME, "written with another runtime", compat.warning(c.path())));
    }
    try (EpochalModel model = registry.create(m.modelName(), version, modelParams(m))) {
      try {
        model.loadStateDict(c.model());
      } catch (IllegalArgumentException e) {
        lines.add(CheckLine.fail(Id.STATE_DICT, "state dict matches the model's names and shapes", e.getMessage()));
        return;
      }
      lines.add(CheckLine.pass(Id.STATE_DICT, "state dict matches the model's names and shapes (" + c.model().size()
          + " tensors)"));
      String optimizer = m.hyperParameters().getString("optimizer.name");
      Optional<String> optimizerUnfit = CheckpointFit.optimizerMismatch(model, optimizer, optimizerParams(m),
          c.optimizer(), CheckpointFit.frozenWhileTraining(c, io.epochal.driver.config.FineTuning
              .of(m.hyperParameters()).frozenParameters()), m.globalStep());
      String optimizerCheck = "optimizer state fits optimizer " + optimizer + " of the model";
      if (optimizerUnfit.isPresent()) {
        lines.add(CheckLine.fail(Id.OPTIMIZER, optimizerCheck, optimizerUnfit.get()));
        return;
      }
      lines.add(CheckLine.pass(Id.OPTIMIZER, optimizerCheck + " (" + c.optimizer().size() + " tensors)"));
      double emaDecay = io.epochal.driver.config.EmaKeys.decay(m.hyperParameters());
      if (emaDecay > 0 || !c.ema().isEmpty()) {
        Optional<String> emaUnfit = CheckpointFit.emaMismatch(c, emaDecay);
        String emaCheck = "moving average (ema.safetensors) matches the model's names and shapes";
        if (emaUnfit.isPresent()) {
          lines.add(CheckLine.fail(Id.EMA, emaCheck, emaUnfit.get()));
          return;
        }
        lines.add(CheckLine.pass(Id.EMA, emaCheck + " (" + c.ema().size() + " tensors, decay " + emaDecay + ")"));
      }
      if (m.probeDigest().isPresent()) {
        Optional<String> digest = CheckpointFit.probeDigestMismatch(m, c.probe());
        String digestCheck = "recorded probe output matches the manifest's probe_sha256";
        if (digest.isPresent()) {
          lines.add(CheckLine.fail(Id.PROBE_DIGEST, digestCheck, digest.get()));
          return;
        }
        lines.add(CheckLine.pass(Id.PROBE_DIGEST, digestCheck));
      }
      String how = compat.probeTolerance().describe();
      Optional<String> unreadable = CheckpointFit.probeUnreadable(c.probe());
      if (unreadable.isPresent()) {
        lines.add(CheckLine.fail(Id.PROBE, "probe output reproduced " + how, unreadable.get()));
        return;
      }
      try {
        Probe.check(model, ProbeRecord.fromStateDict(c.probe()), compat.probeTolerance());
        lines.add(CheckLine.pass(Id.PROBE, "probe output reproduced " + how));
      } catch (io.epochal.worker.probe.ProbeMismatchException e) {
        lines.add(CheckLine.fail(Id.PROBE, "probe output reproduced " + how, e.getMessage()));
        return;
      }
      if (!c.ema().isEmpty()) {
        String averageCheck = "moving average's probe output (probe.ema_output) reproduced " + how;
        Optional<String> average = CheckpointFit.averageNotReproduced(model, c, compat.probeTolerance());
        lines.add(average.isPresent() ? CheckLine.fail(Id.EMA_PROBE, averageCheck, average.get())
            : CheckLine.pass(Id.EMA_PROBE, averageCheck));
      }
    }
  }

  /** Whether format {@code version} (MAJOR.MINOR, of a manifest that parsed) is a newer minor than this build's. */
  private static boolean newerMinor(String version) {
    String[] theirs = version.split("\\.");
    String[] ours = CheckpointManifest.FORMAT_VERSION.split("\\.");
    try {
      return theirs.length > 1 && Integer.parseInt(theirs[0]) == Integer.parseInt(ours[0])
          && Integer.parseInt(theirs[1]) > Integer.parseInt(ours[1]);
    } catch (NumberFormatException e) {
      return false; // refused by the parse already
    }
  }

  /** The name of {@link #jobSpecCheck}'s line. */
  static final String JOB_SPEC_CHECK = "job.json holds the hyperparameters it was trained with";

  /**
   * The check that a job's {@code job.json} holds the hyperparameters checkpoint {@code m} (at
   * {@code path}) was trained with, but for those a resume may amend: what a resume checks before it
   * trains, so that a hand-edited or replaced {@code job.json} shows here and not only there.
   */
  static CheckLine jobSpecCheck(io.epochal.job.JobSpec spec, CheckpointManifest m, String path) {
    List<String> diff = io.epochal.driver.train.CheckpointFit.trainingDiff(m.hyperParameters(),
        spec.getHyperParameters());
    String check = JOB_SPEC_CHECK;
    if (diff.isEmpty()) {
      return CheckLine.pass(Id.JOB_SPEC, check);
    }
    return CheckLine.fail(Id.JOB_SPEC,
        check, "it differs (checkpoint -> job.json): " + String.join("; ", diff) + "; a resume "
        + "refuses the job until job.json holds the spec its checkpoints were trained with: restore it ('bin/epochal "
        + "inspect " + path + "' lists the spec), or train this spec in a new job.dir; if the job's other checkpoints "
        + "agree with job.json ('bin/epochal verify --all'), this checkpoint's manifest is the one that was changed: "
        + io.epochal.driver.train.CheckpointFit.moveAside(path) + " and resume");
  }

  /** The files in {@code entry}'s directory that neither are its manifest nor are listed in it. */
  private List<String> unlisted(CheckpointEntry entry, CheckpointManifest m) throws java.io.IOException {
    Path dir = new Path(entry.path());
    java.util.Set<String> listed = new java.util.HashSet<>();
    m.files().forEach(f -> listed.add(f.name()));
    listed.add(CheckpointManifest.FILE_NAME);
    List<String> out = new ArrayList<>();
    for (FileStatus st : dir.getFileSystem(conf).listStatus(dir)) {
      if (!listed.contains(st.getPath().getName())) {
        out.add(st.getPath().getName() + (st.isDirectory() ? "/" : ""));
      }
    }
    java.util.Collections.sort(out);
    return out;
  }

  private String runtimeLabel() {
    return "djl " + runtime.get("djl") + ", " + runtime.get("engine") + " " + runtime.get("engine_native")
        + ", " + runtime.get("os_arch");
  }

  /**
   * Why {@code c} cannot be used for its model's output, if it cannot: the model it names is not
   * registered, its moving average is missing or not its job's, its recorded probe output is not the manifest's
   * {@code probe_sha256}, its state does not fit the model, or the model does not reproduce the probe
   * output recorded at save time (nor, loaded with the checkpoint's moving average, the average's recorded output)
   * bit for bit on the runtime that wrote it, else within {@link EngineCompatibility#CROSS_ENGINE_TOLERANCE}: what
   * {@code export}, {@code predict} and {@code evaluate} check before they use a checkpoint, as {@code verify} and a
   * resume do; another processor's vector instructions may change the last bits.
   */
  static Optional<String> notReproduced(LoadedCheckpoint c, ModelRegistry registry) {
    CheckpointManifest m = c.manifest();
    int version = Integer.parseInt(m.modelVersion());
    Optional<String> unregistered = unregistered(c, registry);
    if (unregistered.isPresent()) {
      return unregistered;
    }
    // the files it serves are the ones its probe and its job's moving average were recorded for, as verify checks
    Optional<String> unfit = CheckpointFit.emaMismatch(c, io.epochal.driver.config.EmaKeys.decay(m.hyperParameters()))
        .or(() -> CheckpointFit.probeDigestMismatch(m, c.probe()));
    if (unfit.isPresent()) {
      String where = JobSpecResolver.locationText(c.path());
      return Optional.of(where + " is not what was saved: " + unfit.get() + "; run 'bin/epochal verify " + where
          + "' for every check, and use an earlier checkpoint");
    }
    try (EpochalModel model = registry.create(m.modelName(), version, modelParams(m))) {
      model.loadStateDict(c.model());
      // bit for bit on the runtime that wrote it (the driver records the probe): a tolerance would pass a model
      // whose outputs are all smaller than it, changed
      io.epochal.worker.probe.Tolerance tolerance =
          EngineCompatibility.compare(m.versions(), EngineCompatibility.currentVersions()).probeTolerance();
      Probe.check(model, ProbeRecord.fromStateDict(c.probe()), tolerance);
      String where = JobSpecResolver.locationText(c.path());
      return CheckpointFit.averageNotReproduced(model, c, tolerance).map(why -> where + "'s moving average "
          + "(ema.safetensors) does not reproduce the output recorded for it when it was saved: " + why
          + "; run 'bin/epochal verify " + where + "' for every check, and use an earlier checkpoint");
    } catch (io.epochal.worker.probe.ProbeMismatchException | IllegalArgumentException e) {
      String where = JobSpecResolver.locationText(c.path());
      return Optional.of(where + " does not reproduce the output recorded when it was saved: " + e.getMessage()
          + "; run 'bin/epochal verify " + where + "' for every check, and use an earlier checkpoint");
    }
  }

  /**
   * What {@code export} and {@code predict} check before they use checkpoint {@code c}: its model
   * is registered (else exit 2, the class path's matter) and reproduces its probe ({@link
   * #notReproduced}; else exit 1). Says why on {@code err} after {@code refused} ("not exported:").
   *
   * @return the exit code of a refusal, or empty when {@code c} may be used
   */
  static java.util.OptionalInt refusal(LoadedCheckpoint c, ModelRegistry registry, java.io.PrintStream err,
      String refused) {
    Optional<Unusable> why = unusable(c, registry);
    why.ifPresent(u -> err.println("epochal: " + refused + u.reason()));
    return why.map(u -> java.util.OptionalInt.of(u.exitCode())).orElse(java.util.OptionalInt.empty());
  }

  /**
   * Why checkpoint {@code c} may not be used, if so: its model is not registered, or it does not
   * reproduce its probe ({@link #notReproduced}, run only for a registered model).
   */
  static Optional<Unusable> unusable(LoadedCheckpoint c, ModelRegistry registry) {
    Optional<String> unregistered = unregistered(c, registry);
    return unregistered.map(why -> new Unusable(why, true))
        .or(() -> notReproduced(c, registry).map(why -> new Unusable(why, false)));
  }

  /** Why a checkpoint may not be used, and whether that is its model missing from the registry. */
  record Unusable(String reason, boolean unregistered) {
    /** Exit 2 for a model the class path lacks (a configuration matter), 1 for a checkpoint that fails. */
    int exitCode() {
      return unregistered ? io.epochal.driver.cli.ExitCodes.USAGE : io.epochal.driver.cli.ExitCodes.FAILED;
    }
  }

  /** The name of the check that fails for a model the registry does not hold. */
  static final String UNREGISTERED_CHECK = "model in the registry";

  /**
   * Why checkpoint {@code c}'s model is not in {@code registry} (a configuration matter: the jar
   * that registers it is not on the class path), or empty when it is.
   */
  static Optional<String> unregistered(LoadedCheckpoint c, ModelRegistry registry) {
    CheckpointManifest m = c.manifest();
    int version = Integer.parseInt(m.modelVersion());
    if (registry.contains(m.modelName(), version)) {
      return Optional.empty();
    }
    return Optional.of(m.modelName() + " v" + version + " of " + JobSpecResolver.locationText(c.path())
        + " is not registered; registered: " + registry.registered() + notLoaded(registry) + "; put the jar that "
        + "registers it on the class path (EPOCHAL_CLASSPATH; spark-submit --jars)");
  }

  /**
   * The factories listed on the class path that could not be loaded ({@link ModelRegistry#broken}), as the
   * refusal of a model they may hold names them; empty when there are none.
   */
  private static String notLoaded(ModelRegistry registry) {
    return registry.broken().isEmpty() ? "" : "; not loaded, from a jar on the class path: "
        + String.join("; ", registry.broken()) + " (fix or remove that jar)";
  }

  /** The optimizer hyperparameters of a manifest: its {@code optimizer.*} keys without the name. */
  static HyperParameters optimizerParams(CheckpointManifest m) {
    return HyperParameters.builder().putAll(m.hyperParameters().withPrefix("optimizer.")).remove("name").build();
  }

  /** The raw model hyperparameters of a manifest: its {@code model.*} keys without name and version. */
  static HyperParameters modelParams(CheckpointManifest m) {
    return HyperParameters.builder().putAll(m.hyperParameters().withPrefix("model."))
        .remove("name").remove("version").build();
  }
}
