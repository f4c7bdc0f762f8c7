package io.epochal.driver.train;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.checkpoint.CheckpointContent;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.driver.config.JobKeys;
import io.epochal.driver.config.JobSpec;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelCache;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.probe.Probe;
import io.epochal.worker.probe.ProbeMismatchException;
import io.epochal.worker.probe.ProbeRecord;
import io.epochal.worker.round.LocalRound;
import io.epochal.worker.round.TrainingConfig;
import io.epochal.worker.schedule.LrSchedule;
import io.epochal.worker.schedule.LrSchedules;
import io.epochal.worker.schedule.ReduceOnPlateau;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Turns a global state at the end of an epoch into the content of its checkpoint: the model and
 * optimizer tensors, the probe (recomputed from the state by a model rebuilt from the registry, so
 * the checkpoint proves that it reproduces the model), and the manifest with every hyperparameter,
 * metrics, schedule position, random state and versions.
 */
final class CheckpointAssembler {

  private final JobSpec spec;
  private final TrainingConfig config;
  private final String jobId;
  private final Map<String, String> versions;
  /** The SHA-256 of the weights training started from, or null for the model's seeded initialisation. */
  private final String initDigest;
  /** The SHA-256 of the held-out rows this run evaluates every epoch on, or null without them. */
  private final String heldOutDigest;
  /** Whether this run's first checkpoint was checked for reproduction by a second built model. */
  private boolean reproductionChecked;

  CheckpointAssembler(JobSpec spec, TrainingConfig config, String jobId, String sparkVersion, String initDigest,
      String heldOutDigest) {
    this.spec = checkNotNull(spec, "spec");
    this.config = checkNotNull(config, "config");
    this.jobId = checkNotNull(jobId, "jobId");
    this.versions = versions(sparkVersion);
    this.initDigest = initDigest;
    this.heldOutDigest = heldOutDigest;
  }

  /**
   * The checkpoint of 1-based {@code epoch} holding {@code state} (model tensors and
   * {@code optimizer.}-prefixed optimizer tensors) after {@code globalStep} optimizer steps,
   * trained on data of digest {@code dataDigest} ({@link io.epochal.driver.data.LoadedDataset#digest()}).
   * For a job of schedule {@code plateau}, {@code plateau} is its state after the epoch (null for any
   * other schedule): the schedule state records the rate it holds as {@code schedule.base_lr}, and its
   * count and best.
   */
  CheckpointContent assemble(int epoch, long globalStep, int rounds, StateDict state, Map<String, Double> metrics,
      String dataDigest, ReduceOnPlateau plateau) throws TrainingException {
    return assemble(epoch, 0, globalStep, rounds, state, metrics, dataDigest, plateau);
  }

  /**
   * As {@link #assemble(int, long, int, StateDict, Map, String, ReduceOnPlateau)}, for a mid-epoch checkpoint
   * ({@code round} &gt; 0): {@code epoch} epochs completed and {@code round} rounds of the next, recorded as the
   * random state's {@code round}; the schedule state is that of the epoch's start, or of the epoch after it when
   * the checkpoint holds every round (a stop's, before the epoch's own checkpoint; but for a plateau, whose next rate
   * waits for the epoch's evaluation, which the resume runs).
   */
  CheckpointContent assemble(int epoch, int round, long globalStep, int rounds, StateDict state,
      Map<String, Double> metrics, String dataDigest, ReduceOnPlateau plateau) throws TrainingException {
    StateDict model = LocalRound.modelPart(state);
    StateDict optimizer = LocalRound.optimizerPart(state);
    StateDict average = io.epochal.worker.ema.ModelEma.part(state);
    ProbeRecord probe = probe(model);
    if (!reproductionChecked) {
      checkReproduced(epoch, round, model, probe);
      reproductionChecked = true;
    }
    LrSchedule schedule = LrSchedules.create(plateau == null ? LocalRound.baseLr(config) : plateau.rate(),
        config.scheduleParams());
    boolean perEpoch = LrSchedules.countsEpochs(config.scheduleParams());
    // the next epoch's (0-based index: the epochs done) or the next optimizer step's
    int epochsTrained = round > 0 && round >= rounds && plateau == null ? epoch + 1 : epoch;
    HyperParameters scheduleState = schedule.state(LrSchedules.stepOf(perEpoch, epochsTrained, globalStep));
    if (perEpoch) {
      scheduleState = scheduleState.with(HyperParameters.builder()
          .put(JobKeys.SCHEDULE_PREFIX + LrSchedules.INTERVAL, LrSchedules.INTERVAL_EPOCH).build());
    }
    CheckpointManifest.Builder manifest = CheckpointManifest.builder()
        .setJobId(jobId)
        .setEpoch(epoch)
        .setModel(spec.modelName(), Long.toString(spec.modelVersion()))
        .optGlobalStep(globalStep)
        .optHyperParameters(spec.toHyperParameters())
        .optMetrics(metrics)
        .optLearningRateSchedule(plateau == null ? scheduleState : scheduleState.with(plateau.state()))
        .optRandomState(randomState(epoch, round, globalStep, rounds))
        .optVersions(versions)
        .optCreatedAt(Instant.now())
        .optProbeDigest(probe.sha256())
        .optDataDigest(dataDigest);
    if (initDigest != null) {
      manifest.optInitDigest(initDigest);
    }
    if (heldOutDigest != null) {
      manifest.optHeldOutDigest(heldOutDigest);
    }
    return CheckpointContent.builder()
        .setModel(model)
        .optOptimizer(optimizer)
        .optProbe(average.isEmpty() ? probe.toStateDict() : probe.withAverage(probe(average)))
        .optEma(average)
        .setManifest(manifest.build())
        .build();
  }

  private HyperParameters randomState(int epoch, int round, long globalStep, int rounds) {
    HyperParameters.Builder b = HyperParameters.builder().put("seed", spec.seed()).put("epoch", (long) epoch);
    if (round > 0) { // a mid-epoch checkpoint: the rounds of epoch + 1 it holds
      b.put(MidEpochPosition.ROUND, (long) round);
    }
    return b.put(MidEpochPosition.ROUNDS_PER_EPOCH, (long) rounds).put("global_step", globalStep)
        .put("derivation", io.epochal.worker.round.Seeds.DERIVATION).build();
  }

  /**
   * Checks, once per run before its first checkpoint is published, that a second model freshly
   * built from the registry and loaded with the same state gives the same probe output bit for
   * bit: what every reload of the checkpoint (a resume, {@code verify}) will check. A model of
   * one's own that holds a tensor outside its state dict, different in every built model, fails
   * here, at the first commit, instead of in every resume after the whole job trained.
   *
   * @throws TrainingException CHECKPOINT_NOT_REPRODUCIBLE naming the model, the checkpoint and what to fix
   */
  private void checkReproduced(int epoch, int round, StateDict model, ProbeRecord probe) throws TrainingException {
    try (EpochalModel second = ModelRegistry.getDefault().create(config.modelName(), config.modelVersion(),
        config.modelParams())) {
      second.loadStateDict(model);
      Probe.check(second, probe);
    } catch (ProbeMismatchException e) {
      // a mid-epoch checkpoint (round > 0) holds rounds of the epoch after the {@code epoch} completed
      String which = round > 0 ? "the mid-epoch checkpoint of epoch " + (epoch + 1) + " after round " + round
          : "the checkpoint of epoch " + epoch;
      throw new TrainingException(FailureReason.CHECKPOINT_NOT_REPRODUCIBLE, round > 0 ? epoch + 1 : epoch, round,
          which + " is not published: model " + config.modelName() + " v" + config.modelVersion() + " does not "
          + "reproduce its own output: a second model built from the registry and loaded with the same state gives "
          + "another output on the probe (the largest difference " + e.maxAbsDifference() + ", first at flat index "
          + e.firstDifferingIndex() + "; both computed in this process). The model holds a tensor outside its state "
          + "dict "
          + "that differs from one built model to the next (drawn in its constructor, say), so no checkpoint of "
          + "it could be resumed: register that tensor with state() as a parameter or buffer (worker/MODELS.md, "
          + "'Adding your own model'), then train the job again in a new job.dir", e);
    }
  }

  /** The probe of {@code model} state, computed by this thread's cached model. */
  ProbeRecord probe(StateDict model) {
    EpochalModel m = ModelCache.forCurrentThread()
        .acquire(config.modelName(), config.modelVersion(), config.modelParams());
    m.loadStateDict(model);
    return Probe.record(m);
  }

  /** The versions recorded in every manifest. */
  static Map<String, String> versions(String sparkVersion) {
    Map<String, String> v = new LinkedHashMap<>();
    v.put("epochal", io.epochal.driver.config.EpochalVersion.get());
    // djl, engine, engine_native, os_arch and cpu: what a reader compares its own runtime with
    v.putAll(io.epochal.worker.probe.EngineCompatibility.currentVersions());
    v.put("java", System.getProperty("java.version"));
    v.put("spark", sparkVersion);
    v.put("hadoop", org.apache.hadoop.util.VersionInfo.getVersion());
    return v;
  }
}
