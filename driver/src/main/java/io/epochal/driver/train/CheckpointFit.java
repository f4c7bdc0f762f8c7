package io.epochal.driver.train;

import ai.djl.ndarray.NDManager;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelCache;
import io.epochal.worker.model.NamedParameter;
import io.epochal.worker.optim.Optimizer;
import io.epochal.worker.optim.Optimizers;
import io.epochal.worker.probe.EngineCompatibility;
import io.epochal.worker.probe.Probe;
import io.epochal.worker.probe.ProbeMismatchException;
import io.epochal.worker.probe.ProbeRecord;
import io.epochal.worker.round.TrainingConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Whether a checkpoint whose files match its manifest also fits what continues from it: its model tensors the model its
 * manifest names, its optimizer tensors that model's trainable parameters and the optimizer, its moving average (if the
 * job keeps one) the model's tensors, its probe output the manifest's {@code probe_sha256}. A file can match its
 * manifest and still not fit (a manifest written again after a file was changed, a bug): the checks here turn that into
 * a message naming the file and the tensor before a resume hands the state to the workers, where it would fail as a
 * task failure in every attempt. {@code verify} runs the same checks.
 */
public final class CheckpointFit {

  private CheckpointFit() {}

  /**
   * The epoch and round checkpoint {@code c} holds the state after: an epoch checkpoint's epoch and
   * round 0, a mid-epoch checkpoint's epoch (the one after those its manifest counts as completed)
   * and the rounds of it done.
   */
  static int[] position(io.epochal.checkpoint.LoadedCheckpoint c) {
    CheckpointManifest m = c.manifest();
    boolean midEpoch = io.epochal.checkpoint.CheckpointSeries.of(c.path())
        == io.epochal.checkpoint.CheckpointSeries.STEPS;
    long round = midEpoch && m.randomState().contains("round") ? m.randomState().getLong("round") : 0;
    return midEpoch ? new int[] {Math.toIntExact(m.epoch() + 1), Math.toIntExact(round)}
        : new int[] {Math.toIntExact(m.epoch()), 0};
  }

  /** The parameters of {@code frozen} that were frozen in the epoch checkpoint {@code c} was trained in. */
  public static io.epochal.worker.round.FrozenParameters frozenWhileTraining(LoadedCheckpoint c,
      io.epochal.worker.round.FrozenParameters frozen) {
    return frozen.inEpoch(Math.max(0, position(c)[0] - 1)); // position's epoch counts from 1
  }

  /**
   * Checks that checkpoint {@code c}, whose files match its manifest, continues training with
   * {@code config}: its model tensors fit the model (loaded into this thread's cached model), its
   * optimizer tensors the optimizer and the model's trainable parameters, its recorded probe output
   * the manifest's digest, and the model reproduces that output (bit for bit on the runtime it was
   * written with, within a tolerance on another, with a warning through {@code listener}).
   *
   * @param versions this process's versions, to compare with the checkpoint's
   * @throws TrainingException with {@link FailureReason#CHECKPOINT_NOT_REPRODUCIBLE}, naming the
   *     checkpoint, what does not fit and what to do
   */
  public static void checkContinuable(LoadedCheckpoint c, TrainingConfig config, Map<String, String> versions,
      TrainingListener listener) throws TrainingException {
    CheckpointManifest m = c.manifest();
    int[] at = position(c); // where a failure to continue it is recorded
    EpochalModel model = ModelCache.forCurrentThread()
        .acquire(config.modelName(), config.modelVersion(), config.modelParams());
    Optional<String> unfit = loadModel(model, c.model())
        .or(() -> optimizerMismatch(model, config.optimizerName(), config.optimizerParams(),
            c.optimizer(), frozenWhileTraining(c, config.frozen()), m.globalStep()))
        .or(() -> emaMismatch(c, config.emaDecay()))
        .or(() -> probeUnreadable(c.probe()))
        .or(() -> probeDigestMismatch(m, c.probe()));
    if (unfit.isPresent()) {
      throw new TrainingException(FailureReason.CHECKPOINT_NOT_REPRODUCIBLE, at[0], at[1], "checkpoint "
          + JobSpecResolver.locationText(c.path()) + " cannot be continued: " + unfit.get() + "\n" + advice(c.path()), null);
    }
    EngineCompatibility compat = EngineCompatibility.compare(m.versions(), versions);
    if (!compat.differences().isEmpty()) {
      listener.warning(compat.warning(c.path()));
    }
    try {
      Probe.check(model, ProbeRecord.fromStateDict(c.probe()), compat.probeTolerance());
    } catch (ProbeMismatchException e) {
      throw new TrainingException(FailureReason.CHECKPOINT_NOT_REPRODUCIBLE, at[0], at[1],
          "checkpoint " + JobSpecResolver.locationText(c.path()) + " does not reproduce its model: " + e.getMessage() + "\n"
              + advice(c.path()), e);
    }
    Optional<String> average = averageNotReproduced(model, c, compat.probeTolerance());
    if (average.isPresent()) {
      throw new TrainingException(FailureReason.CHECKPOINT_NOT_REPRODUCIBLE, at[0], at[1], "checkpoint "
          + JobSpecResolver.locationText(c.path()) + " does not reproduce its moving average: " + average.get() + "\n"
          + advice(c.path()), null);
    }
  }

  /**
   * Why {@code model} loaded with checkpoint {@code c}'s moving average does not give the average's output its probe
   * file recorded ({@code probe.ema_output}), within {@code tolerance}, if it does not; empty for a checkpoint without
   * an average. Leaves {@code model} loaded with {@code c}'s trained weights.
   */
  public static Optional<String> averageNotReproduced(EpochalModel model, LoadedCheckpoint c,
      io.epochal.worker.probe.Tolerance tolerance) {
    if (c.ema().isEmpty()) {
      return Optional.empty();
    }
    try {
      Optional<ProbeRecord> recorded = ProbeRecord.averageFromStateDict(c.probe());
      if (recorded.isEmpty()) {
        return Optional.of("its probe.safetensors records no output of the average (" + ProbeRecord.AVERAGE_OUTPUT
            + ")");
      }
      model.loadStateDict(c.ema());
      Probe.check(model, recorded.get(), tolerance);
      return Optional.empty();
    } catch (ProbeMismatchException | IllegalArgumentException e) {
      return Optional.of(e.getMessage());
    } finally {
      model.loadStateDict(c.model());
    }
  }

  /**
   * Loads {@code modelState} into {@code model}; why it does not fit (every missing, unexpected or
   * wrongly shaped tensor), if it does not.
   */
  public static Optional<String> loadModel(EpochalModel model, StateDict modelState) {
    try {
      model.loadStateDict(modelState);
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.of("its model tensors do not fit " + model.describe() + ": " + e.getMessage());
    }
  }

  /**
   * Why {@code optimizerState} (the optimizer tensors, without their {@code optimizer.} prefix)
   * cannot continue training {@code model} with optimizer {@code optimizer}, if it cannot: a
   * tensor the optimizer does not keep, a parameter without all of its tensors, a parameter the
   * model does not train, a buffer not of its parameter's shape, or no tensor at all for a parameter
   * the checkpoint's epoch trained (those {@code frozen} in it aside), which every step of it kept
   * state for. An empty state fits before the first step ({@code globalStep} 0) and for an optimizer
   * that keeps no state (sgd without momentum); after steps of one that does, it is every parameter's
   * state lost (a resume would start the moments and step counts afresh).
   */
  public static Optional<String> optimizerMismatch(EpochalModel model, String optimizer,
      HyperParameters optimizerParams, StateDict optimizerState, io.epochal.worker.round.FrozenParameters frozen,
      long globalStep) {
    boolean keepsState;
    try {
      keepsState = io.epochal.worker.optim.Optimizers.stateTensorsPerParameter(optimizer, optimizerParams) > 0;
    } catch (IllegalArgumentException unknown) { // an optimizer this build does not know: said below, by its loader
      keepsState = true;
    }
    if (optimizerState.size() == 0 && (globalStep == 0 || !keepsState)) {
      return Optional.empty();
    }
    List<String> problems = new ArrayList<>();
    Map<String, long[]> trainable = new LinkedHashMap<>();
    for (NamedParameter p : model.trainableParameters()) {
      trainable.put(p.name(), p.array().getShape().getShape()); // the shape alone, not a copy of the weights
    }
    java.util.Set<String> kept = new java.util.HashSet<>();
    for (Map.Entry<String, Tensor> e : optimizerState) {
      String key = e.getKey();
      valueProblem(key, e.getValue()).ifPresent(problems::add);
      int dot = key.lastIndexOf('.');
      String param = dot < 0 ? key : key.substring(0, dot);
      kept.add(param);
      long[] shape = trainable.get(param);
      if (shape == null) {
        problems.add("'" + key + "' is kept for '" + param + "', which " + model.describe() + " does not train");
      } else if (e.getValue().shape().length > 0 && !Arrays.equals(e.getValue().shape(), shape)) {
        problems.add("'" + key + "' is " + Arrays.toString(e.getValue().shape()) + " but parameter '" + param
            + "' is " + Arrays.toString(shape));
      }
    }
    // a worker's first step refuses a trained parameter without state (as a failed round, retried)
    List<String> missing = trainable.keySet().stream().filter(p -> !kept.contains(p) && !frozen.isFrozen(p)).toList();
    if (!missing.isEmpty() && keepsState) {
      problems.add("no tensor for " + (missing.size() == 1 ? "parameter '" + missing.get(0) + "'" : missing.size()
          + " parameters (" + String.join(", ", missing.subList(0, Math.min(5, missing.size())))
          + (missing.size() > 5 ? ", ..." : "") + ")") + ", which its epoch trained"
          + (optimizerState.size() == 0 ? " (it holds no tensor at all, after " + globalStep + " steps)" : "")
          + (frozen.isEmpty() ? "" : " (" + frozen.patterns() + " frozen in it)"));
    }
    if (problems.isEmpty()) {
      // the names, dtypes and per-parameter sets the optimizer itself checks when a worker loads it
      try (NDManager manager = NDManager.newBaseManager();
          Optimizer o = Optimizers.create(optimizer, optimizerParams, manager)) {
        o.loadStateDict(optimizerState);
      } catch (IllegalArgumentException e) {
        problems.add(e.getMessage());
      }
    }
    return problems.isEmpty() ? Optional.empty() : Optional.of("its optimizer tensors do not fit optimizer "
        + optimizer + " of " + model.describe() + ": " + String.join("; ", problems));
  }

  /**
   * Why checkpoint {@code c}'s moving average ({@code ema.safetensors}) does not fit a job of EMA decay {@code
   * emaDecay}, if it does not: the job keeps one and the checkpoint has none, or the reverse, or its tensors are not
   * the model's names, dtypes and shapes.
   */
  public static Optional<String> emaMismatch(LoadedCheckpoint c, double emaDecay) {
    String key = io.epochal.driver.config.EmaKeys.EMA_DECAY;
    if (c.ema().isEmpty()) {
      return emaDecay > 0 ? Optional.of("it holds no moving average (ema.safetensors) but the job keeps one ("
          + key + " = " + emaDecay + ")") : Optional.empty();
    }
    if (emaDecay == 0) {
      return Optional.of("it holds a moving average (ema.safetensors) but the job keeps none (no " + key + ")");
    }
    Map<String, io.epochal.worker.state.TensorSpec> layout = new LinkedHashMap<>();
    c.model().forEach(e -> layout.put(e.getKey(), io.epochal.worker.state.TensorSpec.of(e.getValue())));
    List<String> problems = io.epochal.worker.state.StateDictValidator.problems(layout, c.ema());
    return problems.isEmpty() ? Optional.empty()
        : Optional.of("its moving average (ema.safetensors) does not fit the model: " + String.join("; ", problems));
  }

  /**
   * What no optimizer writes into tensor {@code key}, if it holds it: a NaN or an infinity, or a
   * negative second moment ({@code exp_avg_sq}, {@code max_exp_avg_sq}, averages of squares).
   */
  private static Optional<String> valueProblem(String key, Tensor t) {
    if (t.dtype() != io.epochal.tensor.DType.F32) {
      return Optional.empty(); // the optimizer's own check names a wrong dtype
    }
    boolean squares = key.endsWith(".exp_avg_sq") || key.endsWith(".max_exp_avg_sq");
    java.nio.FloatBuffer values = t.asFloatBuffer();
    for (int i = 0; i < values.limit(); i++) {
      float v = values.get(i);
      if (!Float.isFinite(v) || squares && v < 0) {
        return Optional.of("'" + key + "' holds " + v + " at flat index " + i + (Float.isFinite(v)
            ? ", but an average of squares is never negative" : ", which no optimizer step writes"));
      }
    }
    return Optional.empty();
  }

  /**
   * Why {@code probe} is not a probe record ({@code probe.input} and {@code probe.output}, F32, an
   * output row per input row), if it is not.
   */
  public static Optional<String> probeUnreadable(StateDict probe) {
    try {
      ProbeRecord.fromStateDict(probe);
      return Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.of("its probe.safetensors is not a probe record: " + e.getMessage());
    }
  }

  /**
   * Why {@code probe}'s recorded output does not match {@code manifest}'s {@code probe_sha256}
   * (the SHA-256 of the output tensor's little-endian bytes), if it does not; a manifest without
   * the digest (format 1.0) has nothing to compare.
   */
  public static Optional<String> probeDigestMismatch(CheckpointManifest manifest, StateDict probe) {
    Optional<String> listed = manifest.probeDigest();
    if (listed.isEmpty()) {
      return Optional.empty();
    }
    Optional<String> unreadable = probeUnreadable(probe);
    if (unreadable.isPresent()) {
      return unreadable;
    }
    String actual = ProbeRecord.fromStateDict(probe).sha256();
    return actual.equals(listed.get()) ? Optional.empty() : Optional.of("its recorded probe output (probe.output) "
        + "has SHA-256 " + actual + " but the manifest's probe_sha256 is " + listed.get());
  }

  /**
   * What to do with a checkpoint whose files match its manifest but that cannot be continued: it
   * is never moved aside automatically (a resume cannot tell a wrong checkpoint from a runtime
   * that differs), so the user moves it.
   */
  public static String advice(String checkpointPath) {
    return "'bin/epochal verify " + JobSpecResolver.locationText(checkpointPath) + "' shows every check. For a model "
        + "of your own, look at its code first: changed tensors or forward pass without a new version() (keep the "
        + "old version registered to read its checkpoints), or a tensor kept outside its state dict (every checkpoint "
        + "of such a model fails this way; see worker/MODELS.md). If this runtime and model code are the ones it was "
        + "written with, the checkpoint is wrong although its files match its manifest: " + moveAside(checkpointPath)
        + " and resume, which continues after the newest checkpoint before it";
  }

  /**
   * How to move checkpoint {@code checkpointPath} ({@code .../checkpoints/epoch-NNNNNN}, or its
   * name) aside by hand: renamed as a resume renames a damaged one, it is never read as a
   * checkpoint again, while {@code verify} and {@code inspect} still take it. The name ends in this
   * moment's milliseconds, as a resume's does: the same epoch moved aside again (trained again, and
   * failing the same way) gets a name of its own, where a name taken already would move it inside the
   * first (mv, hdfs dfs -mv), hidden from every listing.
   */
  public static String moveAside(String checkpointPath) {
    int slash = checkpointPath.lastIndexOf('/');
    String aside = checkpointPath.substring(0, slash + 1) + "_damaged-" + checkpointPath.substring(slash + 1) + "-"
        + System.currentTimeMillis();
    return "move it aside by renaming it to " + aside + " (no resume reads it there; verify and inspect do)";
  }

  /**
   * The keys an epoch computes from that differ between {@code trainedWith} (a checkpoint's) and {@code job}
   * ({@code job.json}'s), as {@code key: checkpoint -> job} lines: empty when the job continues that checkpoint.
   */
  public static java.util.List<String> trainingDiff(io.epochal.params.HyperParameters trainedWith,
      io.epochal.params.HyperParameters job) {
    return JobKeys.withoutAmendable(trainedWith).diff(JobKeys.withoutAmendable(job));
  }

  /**
   * Checks that checkpoint {@code c} was trained with the hyperparameters {@code expected} holds,
   * except those a job may amend (an amended job's older checkpoints hold its old location, epochs
   * and retention).
   *
   * @throws TrainingException (INCOMPATIBLE_JOB) listing every differing key
   */
  public static void checkTrainedWith(LoadedCheckpoint c, HyperParameters expected) throws TrainingException {
    List<String> diff = trainingDiff(c.manifest().hyperParameters(), expected);
    if (!diff.isEmpty()) {
      throw new TrainingException(FailureReason.INCOMPATIBLE_JOB, 0, 0, "checkpoint " + JobSpecResolver.locationText(c.path())
          + " was trained with different hyperparameters (checkpoint -> job):\n  " + String.join("\n  ", diff)
          + "\nthe job's job.json does not hold the spec its checkpoints were trained with (was it replaced?): "
          + "restore that spec ('bin/epochal inspect " + JobSpecResolver.locationText(c.path()) + "' lists it), or train this one in a "
          + "new job.dir; if the job's other checkpoints agree with job.json ('bin/epochal verify --all'), this "
          + "checkpoint's manifest is the one that was changed: " + moveAside(JobSpecResolver.locationText(c.path()))
          + " and resume", null);
    }
  }

  /**
   * Refuses a job whose skipped checkpoints {@code skipped} include one a newer Epochal wrote: it is
   * not damaged, so moving it aside and training its epoch again would throw away that Epochal's
   * work.
   *
   * @throws TrainingException (INCOMPATIBLE_JOB) naming the checkpoint and both format versions
   */
  public static void checkNoNewerFormat(List<io.epochal.checkpoint.CheckpointProblem> skipped)
      throws TrainingException {
    for (io.epochal.checkpoint.CheckpointProblem p : skipped) {
      if (p.newerFormat()) {
        throw new TrainingException(FailureReason.INCOMPATIBLE_JOB, Math.toIntExact(p.epoch()), 0,
            newerFormat(p.path(), p.reason()), null);
      }
    }
  }

  /** What is said of the checkpoint at {@code path} a newer Epochal wrote, its manifest refused for {@code why}. */
  public static String newerFormat(String path, String why) {
    return "checkpoint " + path + " was written by a newer Epochal: " + why + " (this build leaves the job's "
        + "checkpoints as they are; continue the job with the Epochal that wrote it)";
  }
}
