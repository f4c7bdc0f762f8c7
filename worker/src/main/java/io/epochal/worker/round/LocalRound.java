package io.epochal.worker.round;

import static com.google.common.base.Preconditions.checkArgument;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.device.DeviceAssignment;
import io.epochal.worker.device.DeviceSelector;
import io.epochal.worker.ema.ModelEma;
import io.epochal.worker.loss.Loss;
import io.epochal.worker.model.EngineSettings;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelCache;
import io.epochal.worker.model.NamedParameter;
import io.epochal.worker.optim.GradientClipping;
import io.epochal.worker.optim.Optimizer;
import io.epochal.worker.optim.Optimizers;
import io.epochal.worker.optim.ParamSlot;
import io.epochal.worker.schedule.LrSchedule;
import io.epochal.worker.schedule.LrSchedules;
import io.epochal.worker.state.EngineScalars;
import io.epochal.worker.state.StatePrefix;
import io.epochal.worker.state.TensorConversion;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The local training round, a pure function of its inputs: (global state, config, shard, epoch,
 * round, worker, job seed, local steps) to (new state, metrics).
 *
 * <p>The model is taken from this thread's {@link ModelCache} and loaded with the global state, so
 * a round does not rebuild the block; the first reuse of a cached model proves that it reloads like
 * a freshly built one ({@link ReloadCheck}). The optimizer is rebuilt from its state dict each round
 * (its state is averaged across workers between rounds). The shard order comes from
 * {@link BatchPlan#permutation} and dropout from a {@link SplittableRandom} seeded by
 * {@link Seeds#derive}(seed, ROUND, epoch, round, worker). With {@code train.accumulate_grad_batches}
 * an optimizer step sums the gradients of several batches, each batch's mean loss weighed by its share
 * of the step's samples (of their weight, with {@code data.weight}), so that the step follows the gradient of the
 * mean loss over all of them, as one batch of their size would; with {@code loss.class_weights} each batch's
 * loss is divided by its own rows' class weights, so there the step is close to, not equal to, one large
 * batch's (as for PyTorch's accumulation of weighted losses). With {@code train.clip_grad_norm} or {@code train.clip_grad_value} the
 * gradients of every step are clipped before it ({@link GradientClipping}). With {@code train.ema_decay} the
 * moving average of the model's tensors is updated after every step ({@link ModelEma}). Everything the round
 * allocates on the native side lives in a sub-manager closed before it returns.
 */
public final class LocalRound {

  /** Prefix of optimizer tensors inside a combined state dict. */
  public static final String OPTIMIZER_PREFIX = "optimizer.";

  private static final StatePrefix OPTIMIZER = new StatePrefix(OPTIMIZER_PREFIX);

  private LocalRound() {}

  /**
   * Runs one round on this worker on the device that {@link DeviceSelector} picks for the job's
   * {@link TrainingConfig#device() train.device} and the GPUs Spark assigned to the task. The
   * returned state is on the CPU whatever the device, so checkpoints do not depend on it.
   *
   * @param assignment the executor and the GPU addresses Spark assigned to this task
   * @throws io.epochal.worker.device.DeviceUnavailableException if {@code train.device=gpu} and no
   *     usable GPU was assigned, naming the executor and the reason
   * @see #run(TrainingConfig, StateDict, DataShard, int, int, long)
   */
  public static RoundResult run(TrainingConfig config, StateDict global, DataShard shard, int epoch,
      int round, long globalStep, DeviceAssignment assignment) {
    return run(config, global, shard, epoch, round, globalStep, baseLr(config), assignment);
  }

  /**
   * As {@link #run(TrainingConfig, StateDict, DataShard, int, int, long, DeviceAssignment)}, with the
   * schedule created for base rate {@code baseLr} instead of {@code optimizer.lr}: the rate schedule
   * {@code plateau} holds after the epochs before this one ({@link
   * io.epochal.worker.schedule.ReduceOnPlateau}).
   */
  public static RoundResult run(TrainingConfig config, StateDict global, DataShard shard, int epoch,
      int round, long globalStep, double baseLr, DeviceAssignment assignment) {
    return run(config, global, shard, epoch, round, globalStep, config.batchPlan().stepsInRound(shard.rows(), round),
        baseLr, assignment);
  }

  /**
   * As {@link #run(TrainingConfig, StateDict, DataShard, int, int, long, double, DeviceAssignment)} in a round of
   * {@code roundSteps} steps, those of its largest shard: a moving average of a shard that ends sooner takes the
   * updates of the steps after its last, from its model, which stands still through them (its average would
   * otherwise bring the round's start, or the initial weights before the first update, into the workers' mean).
   */
  public static RoundResult run(TrainingConfig config, StateDict global, DataShard shard, int epoch,
      int round, long globalStep, int roundSteps, double baseLr, DeviceAssignment assignment) {
    Device device = DeviceSelector.select(config.device(), assignment).device();
    return run(config, global, shard, epoch, round, globalStep, roundSteps, baseLr, device);
  }

  /** The base rate of the job's schedule before any plateau lowered it: {@code optimizer.lr}. */
  public static double baseLr(TrainingConfig config) {
    return config.optimizerParams().getDouble("lr");
  }

  /**
   * Runs one round on this worker on the CPU.
   *
   * @param config the job's training configuration
   * @param global the global state: model tensors and {@code optimizer.}-prefixed optimizer tensors
   * @param shard this worker's data
   * @param epoch 0-based epoch
   * @param round 0-based round within the epoch
   * @param globalStep optimizer steps taken before this round (positions the schedule)
   * @return the worker's state after its local steps and its metrics
   */
  public static RoundResult run(TrainingConfig config, StateDict global, DataShard shard, int epoch,
      int round, long globalStep) {
    BatchPlan plan = config.batchPlan();
    return run(config, global, shard, epoch, round, globalStep, plan.stepsInRound(shard.rows(), round), baseLr(config),
        Device.cpu());
  }

  private static RoundResult run(TrainingConfig config, StateDict global, DataShard shard, int epoch,
      int round, long globalStep, int roundSteps, double baseLr, Device device) {
    checkArgument(epoch >= 0 && round >= 0, "epoch %s and round %s must be >= 0", epoch, round);
    BatchPlan plan = config.batchPlan();
    int steps = plan.stepsInRound(shard.rows(), round);
    checkArgument(roundSteps >= steps, "the round's %s steps are fewer than worker %s's %s", roundSteps,
        shard.worker(), steps);
    if (steps == 0) {
      boolean classification = EvaluationResult.counts(config);
      RoundResult none = new RoundResult(shard.worker(), 0, 0, 0.0, classification ? 0 : EvaluationResult.NOT_COUNTED,
          withAverage(config, global));
      return classification ? none : none.withAbsoluteErrors(0);
    }
    StateDict modelState = modelPart(global);
    ModelCache cache = ModelCache.forCurrentThread();
    EpochalModel model = EngineSettings.atThreads(config.threads(), () -> {
      EpochalModel m = cache.acquire(config.modelName(), config.modelVersion(), config.modelParams(), device);
      m.loadStateDict(modelState);
      return m;
    });
    if (cache.needsReloadCheck(model)) {
      // computes at the probe's thread count, which a thread may change only outside its atThreads; with
      // train.threads_per_worker > 1 that change waits for the rounds of the executor's other task threads,
      // once per task thread and model
      ReloadCheck.verify(cache, config, device, model, modelState);
    }
    ModelEma ema = config.emaDecay() == 0 ? null : ModelEma.continuing(config.emaDecay(), averageOrModel(global));
    return EngineSettings.atThreads(config.threads(), () -> train(config, model, optimizerPart(global), ema, shard,
        epoch, round, globalStep, baseLr, plan, steps, roundSteps));
  }

  private static RoundResult train(TrainingConfig config, EpochalModel model, StateDict optimizerState, ModelEma ema,
      DataShard shard, int epoch, int round, long globalStep, double baseLr, BatchPlan plan, int steps,
      int roundSteps) {
    int[] perm = BatchPlan.permutation(shard.rows(), config.seed(), epoch, shard.worker());
    SplittableRandom rng = new SplittableRandom(
        Seeds.derive(config.seed(), Seeds.ROUND, epoch, round, shard.worker()));
    Loss loss = config.newLoss();
    LrSchedule schedule = LrSchedules.create(baseLr, config.scheduleParams());
    boolean perEpoch = LrSchedules.countsEpochs(config.scheduleParams());
    FrozenParameters frozen = config.frozen().inEpoch(epoch);
    List<NamedParameter> params = frozen.trained(model.trainableParameters());
    java.util.Set<String> startingFresh = new java.util.HashSet<>();
    for (NamedParameter p : model.trainableParameters()) { // the cached model may have trained with others frozen
      NDArray w = p.parameter().getArray();
      boolean trained = !frozen.isFrozen(p.name());
      if (config.frozen().startsFreshIn(p.name(), epoch, round)) {
        startingFresh.add(p.name());
      }
      if (w.hasGradient() != trained) {
        w.setRequiresGradient(trained);
      }
    }
    double lossSum = 0;
    long samples = 0;
    boolean classification = EvaluationResult.counts(config);
    long correct = 0;
    double absErrorSum = 0; // a regression's, over the samples' outputs before their steps
    GradNorms norms = GradNorms.NONE;
    try (NDManager roundManager = model.manager().newSubManager();
        Optimizer optimizer = Optimizers.create(config.optimizerName(), config.optimizerParams(), config.paramGroups(),
            roundManager);
        GradientHandles gradients = new GradientHandles(params)) {
      optimizer.loadStateDict(optimizerState, startingFresh);
      // the model is cached per thread: a round that failed between backward and step left its
      // gradients on the parameters, and backward adds to what is there
      for (NamedParameter p : params) {
        Autograd.zeroGrad(p.parameter().getArray());
      }
      BatchInput input = new BatchInput(shard, config.batchSize());
      int first = plan.firstStep(round);
      for (int s = 0; s < steps; s++) {
        int step = first + s;
        int stepStart = plan.batchStart(step);
        int stepEnd = plan.batchEnd(shard.rows(), step);
        double stepWeight = BatchInput.weightOf(shard, perm, stepStart, stepEnd);
        try (NDManager stepManager = roundManager.newSubManager()) {
          for (int start = stepStart; start < stepEnd; start += config.batchSize()) {
            int end = Math.min(stepEnd, start + config.batchSize());
            int n = end - start;
            // a batch's share of the step: 1 without accumulation, so such a step computes as before; by rows, or by
            // weight when the rows have weights (none of weight: by rows, each batch's loss is 0)
            float share = n == stepEnd - stepStart ? 1f : stepWeight > 0
                ? (float) (BatchInput.weightOf(shard, perm, start, end) / stepWeight)
                : (float) ((double) n / (stepEnd - stepStart));
            input.fill(perm, start, end);
            NDArray x = input.features(stepManager);
            NDArray y = input.labels(stepManager);
            float batchLoss;
            try (Autograd autograd = Autograd.record()) {
              NDArray prediction = model.forward(x, true, rng);
              NDArray l = loss.evaluate(prediction, y, input.weights());
              autograd.backward(share == 1f ? l : EngineScalars.times(l, share));
              // read through a view of the engine's memory: a full heap is an OutOfMemoryError, not a native crash
              batchLoss = TensorConversion.toFloats(l)[0];
              if (classification) { // the batch's logits, read as its loss is: what the step trains on
                correct += LocalEvaluation.correct(TensorConversion.toFloats(prediction), shard.labels(), perm, start,
                    end);
              } else {
                absErrorSum += LocalEvaluation.absoluteErrors(TensorConversion.toFloats(prediction), shard.labels(),
                    shard.labelWidth(), perm, start, end);
              }
            }
            lossSum += (double) batchLoss * n;
            samples += n;
          }
          if (config.clipGradValue() > 0) {
            GradientClipping.clipByValue(gradients.slots(), config.clipGradValue(), stepManager);
          }
          if (config.clipGradNorm() > 0) {
            float norm = GradientClipping.clipByTotalNorm(gradients.slots(), config.clipGradNorm(), stepManager);
            norms = norms.plus(norm, GradientClipping.scales(norm, config.clipGradNorm()));
          }
          long at = LrSchedules.stepOf(perEpoch, epoch, globalStep + s);
          java.util.OptionalDouble momentum = schedule.momentum(at);
          if (momentum.isPresent()) { // set by the schedule, as torch's OneCycleLR(cycle_momentum=True) sets it
            optimizer.step(gradients.slots(), schedule.lr(at), momentum.getAsDouble());
          } else {
            optimizer.step(gradients.slots(), schedule.lr(at));
          }
          for (NamedParameter p : params) {
            Autograd.zeroGrad(p.parameter().getArray());
          }
          // after the step, as torch's AveragedModel.update_parameters after optimizer.step()
          if (ema != null && config.ema().updatesAfter(globalStep + s)) {
            long after = globalStep + s; // the model's tensors read at once, in place
            ema.update(model.stateView(), config.ema().firstUpdateAfter(after), config.ema().decayAfter(after));
          }
        }
      }
      for (int s = steps; ema != null && s < roundSteps; s++) { // the round's steps after this shard's last
        long after = globalStep + s;
        if (config.ema().updatesAfter(after)) {
          ema.update(model.stateView(), config.ema().firstUpdateAfter(after), config.ema().decayAfter(after));
        }
      }
      StateDict.Builder state = StateDict.builder()
          .putAll(model.stateDict())
          .putAll(prefixed(optimizer.stateDict()));
      if (ema != null) {
        state.putAll(ModelEma.prefixed(ema.stateDict()));
      }
      RoundResult result = new RoundResult(shard.worker(), samples, steps, lossSum, classification ? correct
          : EvaluationResult.NOT_COUNTED, norms, state.build());
      return classification ? result : result.withAbsoluteErrors(absErrorSum);
    }
  }

  /**
   * The parameters with their gradients, taken after the first backward and kept for the round:
   * backward accumulates into the same gradient tensors, which are zeroed in place after every
   * step, so the handles stay valid (a 4-step round equals four 1-step rounds bit for bit).
   */
  private static final class GradientHandles implements AutoCloseable {
    private final List<NamedParameter> params;
    private List<ParamSlot> slots;

    GradientHandles(List<NamedParameter> params) {
      this.params = params;
    }

    List<ParamSlot> slots() {
      if (slots == null) {
        slots = new ArrayList<>(params.size());
        for (NamedParameter p : params) {
          NDArray w = p.parameter().getArray();
          slots.add(new ParamSlot(p.name(), w, w.getGradient()));
        }
      }
      return slots;
    }

    @Override
    public void close() {
      if (slots != null) {
        slots.forEach(slot -> slot.grad().close());
      }
    }
  }

  /** The model tensors of a combined state dict (neither its optimizer's nor its moving average's). */
  public static StateDict modelPart(StateDict combined) {
    return combined.filter(n -> !n.startsWith(OPTIMIZER_PREFIX) && !n.startsWith(ModelEma.PREFIX));
  }

  /**
   * The moving average's tensors of a combined state (without their prefix), or its model tensors when it holds no
   * average (a job's first round, whose first update replaces them).
   */
  public static StateDict averageOrModel(StateDict combined) {
    return ModelEma.isPresent(combined) ? ModelEma.part(combined) : modelPart(combined);
  }

  /**
   * {@code global} with a moving average when the job keeps one ({@code train.ema_decay}) and {@code global} holds
   * none yet: the model's tensors, which the job's first step replaces.
   */
  public static StateDict withAverage(TrainingConfig config, StateDict global) {
    if (config.emaDecay() == 0 || ModelEma.isPresent(global)) {
      return global;
    }
    return StateDict.builder().putAll(global).putAll(ModelEma.prefixed(modelPart(global))).build();
  }

  /** The optimizer tensors of a combined state dict, without the prefix. */
  public static StateDict optimizerPart(StateDict combined) {
    return OPTIMIZER.part(combined);
  }

  /** Optimizer tensors with the {@code optimizer.} prefix added. */
  public static StateDict prefixed(StateDict optimizerState) {
    return OPTIMIZER.prefixed(optimizerState);
  }
}
