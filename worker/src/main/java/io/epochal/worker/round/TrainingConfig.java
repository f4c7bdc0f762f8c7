package io.epochal.worker.round;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.epochal.params.HyperParameters;
import io.epochal.worker.device.DeviceMode;
import io.epochal.worker.loss.LossConfig;
import io.epochal.worker.optim.ParamGroups;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * What a worker needs to run a round, resolved and validated on the driver: model name, version and
 * hyperparameters, optimizer, schedule, loss, batch size, batches accumulated per step, local steps, gradient
 * clipping, frozen parameters and parameter groups, the moving average's decay, job seed and intra-op threads.
 * Immutable and {@link Serializable} (it travels inside Spark task closures); the hyperparameter sets are held as
 * their canonical JSON.
 */
public final class TrainingConfig implements Serializable {

  private static final long serialVersionUID = 10L;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String modelName;
  private final int modelVersion;
  private final String modelParamsJson;
  private final String optimizerName;
  private final String optimizerParamsJson;
  private final String scheduleParamsJson;
  private final LossConfig loss;
  private final int batchSize;
  private final int localSteps;
  private final int accumulateGradBatches;
  private final double clipGradNorm;
  private final double clipGradValue;
  private final long seed;
  private final int threads;
  private final DeviceMode device;
  private final FrozenParameters frozen;
  private final ParamGroups paramGroups;
  private final io.epochal.worker.ema.EmaSettings ema;

  private transient HyperParameters modelParams;
  private transient HyperParameters optimizerParams;
  private transient HyperParameters scheduleParams;

  private TrainingConfig(Builder b) {
    this.modelName = checkNotNull(b.modelName, "modelName");
    this.modelVersion = b.modelVersion;
    this.modelParamsJson = b.modelParams.toJson().toString();
    this.optimizerName = checkNotNull(b.optimizerName, "optimizerName");
    this.optimizerParamsJson = b.optimizerParams.toJson().toString();
    this.scheduleParamsJson = b.scheduleParams.toJson().toString();
    this.loss = checkNotNull(b.loss, "loss");
    this.batchSize = b.batchSize;
    this.localSteps = b.localSteps;
    this.accumulateGradBatches = b.accumulateGradBatches;
    this.clipGradNorm = b.clipGradNorm;
    this.clipGradValue = b.clipGradValue;
    this.seed = b.seed;
    this.threads = b.threads;
    this.device = checkNotNull(b.device, "device");
    this.frozen = checkNotNull(b.frozen, "frozen");
    this.paramGroups = checkNotNull(b.paramGroups, "paramGroups");
    this.ema = checkNotNull(b.ema, "ema");
    checkArgument(batchSize >= 1, "batch size must be >= 1, got %s", batchSize);
    checkArgument(localSteps >= 1, "local steps must be >= 1, got %s", localSteps);
    new BatchPlan(batchSize, localSteps, accumulateGradBatches); // checks the batches accumulated per step
    checkFinite(clipGradNorm, 0, "largest gradient norm must be finite and >= 0 (0 = no clipping)");
    checkFinite(clipGradValue, 0, "largest gradient value must be finite and >= 0 (0 = no clipping)");
    checkArgument(threads >= 1, "threads per worker must be >= 1, got %s", threads);
  }

  private static void checkFinite(double value, double min, String what) {
    checkArgument(value >= min && Double.isFinite(value), "%s, got %s", what, value);
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** Registered model name. */
  public String modelName() {
    return modelName;
  }

  /** Registered model version. */
  public int modelVersion() {
    return modelVersion;
  }

  /** The model's resolved hyperparameters. */
  public HyperParameters modelParams() {
    if (modelParams == null) {
      modelParams = parse(modelParamsJson);
    }
    return modelParams;
  }

  /** Optimizer name: sgd, adam or adamw. */
  public String optimizerName() {
    return optimizerName;
  }

  /** The optimizer's resolved hyperparameters (including the base {@code lr}). */
  public HyperParameters optimizerParams() {
    if (optimizerParams == null) {
      optimizerParams = parse(optimizerParamsJson);
    }
    return optimizerParams;
  }

  /** The learning-rate schedule's resolved hyperparameters. */
  public HyperParameters scheduleParams() {
    if (scheduleParams == null) {
      scheduleParams = parse(scheduleParamsJson);
    }
    return scheduleParams;
  }

  /** Loss name. */
  public String loss() {
    return loss.name();
  }

  /** The loss and its settings (label smoothing, class weights, Huber delta, smooth L1 beta). */
  public LossConfig lossConfig() {
    return loss;
  }

  /** Samples per batch (one forward and backward pass). */
  public int batchSize() {
    return batchSize;
  }

  /** Batches whose gradients one optimizer step sums ({@code train.accumulate_grad_batches}); 1 = each its step. */
  public int accumulateGradBatches() {
    return accumulateGradBatches;
  }

  /** How this job's epochs divide into rounds, optimizer steps and batches. */
  public BatchPlan batchPlan() {
    return new BatchPlan(batchSize, localSteps, accumulateGradBatches);
  }

  /** Local optimizer steps per round. */
  public int localSteps() {
    return localSteps;
  }

  /** The largest total L2 norm of one local step's gradients ({@code train.clip_grad_norm}); 0 = no clipping. */
  public double clipGradNorm() {
    return clipGradNorm;
  }

  /** The largest magnitude of one local step's gradient elements ({@code train.clip_grad_value}); 0 = none. */
  public double clipGradValue() {
    return clipGradValue;
  }

  /** A new instance of the loss this config trains with ({@link LossConfig#newLoss()}). */
  public io.epochal.worker.loss.Loss newLoss() {
    return loss.newLoss();
  }

  /** The job seed. */
  public long seed() {
    return seed;
  }

  /** Intra-op threads per worker. */
  public int threads() {
    return threads;
  }

  /** Where a round trains ({@code train.device}); default {@link DeviceMode#AUTO}. */
  public DeviceMode device() {
    return device;
  }

  /** The parameters rounds do not train ({@code train.freeze}); default none. */
  public FrozenParameters frozen() {
    return frozen;
  }

  /** Each parameter's learning-rate scale and weight decay ({@code train.lr_scale}, {@code train.no_weight_decay}). */
  public ParamGroups paramGroups() {
    return paramGroups;
  }

  /**
   * The decay of the exponential moving average of the model's tensors kept beside them ({@code train.ema_decay});
   * 0 = none. See {@link io.epochal.worker.ema.ModelEma}.
   */
  public double emaDecay() {
    return ema.decay();
  }

  /** The moving average's decay and update interval ({@code train.ema_decay}, {@code train.ema_every_n_steps}). */
  public io.epochal.worker.ema.EmaSettings ema() {
    return ema;
  }

  /** A key identifying the model structure (name, version, hyperparameters) for caching. */
  public String modelKey() {
    return modelName + "/v" + modelVersion + "/" + modelParamsJson;
  }

  private static HyperParameters parse(String json) {
    try {
      return HyperParameters.fromJson(JSON.readTree(json));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TrainingConfig c && modelName.equals(c.modelName) && modelVersion == c.modelVersion
        && modelParamsJson.equals(c.modelParamsJson) && optimizerName.equals(c.optimizerName)
        && optimizerParamsJson.equals(c.optimizerParamsJson) && scheduleParamsJson.equals(c.scheduleParamsJson)
        && loss.equals(c.loss)
        && batchSize == c.batchSize && localSteps == c.localSteps && accumulateGradBatches == c.accumulateGradBatches
        && Double.compare(clipGradNorm, c.clipGradNorm) == 0 && Double.compare(clipGradValue, c.clipGradValue) == 0
        && seed == c.seed && threads == c.threads && device == c.device && frozen.equals(c.frozen)
        && paramGroups.equals(c.paramGroups) && ema.equals(c.ema);
  }

  @Override
  public int hashCode() {
    return Objects.hash(modelName, modelVersion, modelParamsJson, optimizerName, optimizerParamsJson,
        scheduleParamsJson, loss, batchSize, localSteps, accumulateGradBatches, clipGradNorm, clipGradValue,
        seed, threads, device, frozen, paramGroups, ema);
  }

  @Override
  public String toString() {
    return "TrainingConfig[model " + modelName + " v" + modelVersion + " " + modelParamsJson
        + ", optimizer " + optimizerName + " " + optimizerParamsJson + ", schedule " + scheduleParamsJson
        + ", loss " + loss + ", batch " + batchSize
        + (accumulateGradBatches > 1 ? ", accumulateGradBatches " + accumulateGradBatches : "")
        + ", localSteps " + localSteps + (clipGradNorm > 0 ? ", clipGradNorm " + clipGradNorm : "")
        + (clipGradValue > 0 ? ", clipGradValue " + clipGradValue : "") + ", seed " + seed
        + ", threads " + threads + ", device " + device.key() + (frozen.isEmpty() ? "" : ", " + frozen)
        + (paramGroups.isEmpty() ? "" : ", " + paramGroups) + (ema.kept() ? ", " + ema : "") + "]";
  }

  /** Builds a {@link TrainingConfig}: every {@code set*} is required, {@code opt*} optional. */
  public static final class Builder {
    private String modelName;
    private int modelVersion = 1;
    private HyperParameters modelParams = HyperParameters.empty();
    private String optimizerName;
    private HyperParameters optimizerParams = HyperParameters.empty();
    private HyperParameters scheduleParams = HyperParameters.empty();
    private LossConfig loss;
    private int batchSize;
    private int localSteps = 1;
    private int accumulateGradBatches = 1;
    private double clipGradNorm;
    private double clipGradValue;
    private long seed;
    private int threads = 1;
    private DeviceMode device = DeviceMode.AUTO;
    private FrozenParameters frozen = FrozenParameters.NONE;
    private ParamGroups paramGroups = ParamGroups.NONE;
    private io.epochal.worker.ema.EmaSettings ema = io.epochal.worker.ema.EmaSettings.NONE;

    private Builder() {}

    /** Model name and version with its resolved hyperparameters. */
    public Builder setModel(String name, int version, HyperParameters params) {
      this.modelName = name;
      this.modelVersion = version;
      this.modelParams = checkNotNull(params, "model params");
      return this;
    }

    /** Optimizer name and its resolved hyperparameters. */
    public Builder setOptimizer(String name, HyperParameters params) {
      this.optimizerName = name;
      this.optimizerParams = checkNotNull(params, "optimizer params");
      return this;
    }

    /** Learning-rate schedule hyperparameters (default: constant). */
    public Builder optSchedule(HyperParameters params) {
      this.scheduleParams = checkNotNull(params, "schedule params");
      return this;
    }

    /** The loss {@code name} with torch's defaults (no label smoothing or class weights). */
    public Builder setLoss(String name) {
      this.loss = LossConfig.of(name);
      return this;
    }

    /** The loss and its settings. */
    public Builder setLoss(LossConfig loss) {
      this.loss = checkNotNull(loss, "loss");
      return this;
    }

    /** Samples per batch. */
    public Builder setBatchSize(int batchSize) {
      this.batchSize = batchSize;
      return this;
    }

    /** Batches whose gradients one optimizer step sums (default 1: none accumulated). */
    public Builder optAccumulateGradBatches(int accumulateGradBatches) {
      this.accumulateGradBatches = accumulateGradBatches;
      return this;
    }

    /** Local steps per round (default 1). */
    public Builder optLocalSteps(int localSteps) {
      this.localSteps = localSteps;
      return this;
    }

    /** The largest total L2 norm of one local step's gradients (default 0: no clipping). */
    public Builder optClipGradNorm(double clipGradNorm) {
      this.clipGradNorm = clipGradNorm;
      return this;
    }

    /** The largest magnitude of a gradient element of one local step (default 0: no clipping by value). */
    public Builder optClipGradValue(double clipGradValue) {
      this.clipGradValue = clipGradValue;
      return this;
    }

    /** The job seed. */
    public Builder setSeed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Intra-op threads per worker (default 1). */
    public Builder optThreads(int threads) {
      this.threads = threads;
      return this;
    }

    /** Where rounds train (default {@link DeviceMode#AUTO}); see {@code io.epochal.worker.device}. */
    public Builder optDevice(DeviceMode device) {
      this.device = checkNotNull(device, "device");
      return this;
    }

    /** The parameters rounds do not train (default none). */
    public Builder optFrozen(FrozenParameters frozen) {
      this.frozen = checkNotNull(frozen, "frozen");
      return this;
    }

    /** Each parameter's learning-rate scale and whether it is decayed (default: one group). */
    public Builder optParamGroups(ParamGroups paramGroups) {
      this.paramGroups = checkNotNull(paramGroups, "paramGroups");
      return this;
    }

    /** The decay of the moving average of the model's tensors, updated after every step (default 0: none kept). */
    public Builder optEmaDecay(double emaDecay) {
      this.ema = new io.epochal.worker.ema.EmaSettings(emaDecay, 1);
      return this;
    }

    /** The moving average's decay and update interval (default {@link io.epochal.worker.ema.EmaSettings#NONE}). */
    public Builder optEma(io.epochal.worker.ema.EmaSettings ema) {
      this.ema = checkNotNull(ema, "ema");
      return this;
    }

    /** The immutable config. */
    public TrainingConfig build() {
      return new TrainingConfig(this);
    }
  }
}
