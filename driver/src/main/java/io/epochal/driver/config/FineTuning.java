package io.epochal.driver.config;

import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpec;
import io.epochal.params.ParamType;
import java.util.List;
import java.util.Optional;

/**
 * How a job fine-tunes, an immutable view of a job's or a checkpoint's keys: where its weights come
 * from ({@code init.weights}, {@code init.strict}, {@code init.strip_prefix}), which parameters
 * it does not train ({@code train.freeze}) and how it trains the others ({@code train.lr_scale},
 * {@code train.no_weight_decay}). Without {@code init.weights} a job starts from the
 * model's seeded initialisation; with it, from the tensors of a safetensors file as PyTorch's {@code
 * model.load_state_dict(safetensors.torch.load_file(path), strict=...)} would start a fine-tuning
 * run; a frozen parameter is trained as one of {@code requires_grad_(False)}, the others in the
 * parameter groups of torch's optimizers. None of the keys is
 * stored at its default, so a job without them reads as one created before the keys existed.
 */
public final class FineTuning {

  /** Key of the weights a new job starts from; empty = the model's seeded initialisation. */
  public static final String WEIGHTS = "init.weights";
  /** Key of whether the weights must hold exactly the model's tensors. */
  public static final String STRICT = "init.strict";
  /** Key of a prefix the weights' tensor names carry and the model's do not. */
  public static final String STRIP_PREFIX = "init.strip_prefix";
  /** Key of the tensors of the weights that are not loaded. */
  public static final String SKIP = "init.skip";
  /** Key of the parameters a job does not train. */
  public static final String FREEZE = "train.freeze";
  /** Key of the epochs {@code train.freeze} freezes its parameters in, from the first; 0 = all. */
  public static final String FREEZE_EPOCHS = "train.freeze_epochs";
  /** Key of the learning-rate scales of groups of parameters. */
  public static final String LR_SCALE = "train.lr_scale";
  /** Key of the parameters the optimizer does not decay. */
  public static final String NO_WEIGHT_DECAY = "train.no_weight_decay";

  private final String weights;
  private final boolean strict;
  private final String stripPrefix;
  private final List<String> frozen;
  private final List<String> skipped;
  private final int frozenEpochs;
  private final String lrScale;
  private final List<String> noWeightDecay;

  private FineTuning(HyperParameters hp) {
    this.weights = hp.contains(WEIGHTS) ? hp.getString(WEIGHTS).trim() : "";
    this.strict = !hp.contains(STRICT) || hp.getBoolean(STRICT);
    this.stripPrefix = hp.contains(STRIP_PREFIX) ? hp.getString(STRIP_PREFIX) : "";
    this.frozen = patterns(hp, FREEZE);
    this.skipped = patterns(hp, SKIP);
    this.frozenEpochs = hp.contains(FREEZE_EPOCHS) ? Math.toIntExact(hp.getLong(FREEZE_EPOCHS)) : 0;
    this.lrScale = hp.contains(LR_SCALE) ? hp.getString(LR_SCALE).trim() : "";
    this.noWeightDecay = patterns(hp, NO_WEIGHT_DECAY);
  }

  /** The settings keys {@code hp} give (defaults for keys it does not hold). */
  public static FineTuning of(HyperParameters hp) {
    return new FineTuning(hp);
  }

  /** {@code init.weights} as written, if the job starts from weights of its own. */
  public Optional<String> weights() {
    return weights.isEmpty() ? Optional.empty() : Optional.of(weights);
  }

  /** {@code init.strict}: whether every tensor of the model, and no other, must be in the weights. */
  public boolean strict() {
    return strict;
  }

  /** {@code init.strip_prefix}; empty = names are taken as they are. */
  public String stripPrefix() {
    return stripPrefix;
  }

  /** {@code init.skip}: the patterns of the tensors of the weights that are not loaded; empty = none. */
  public List<String> skipped() {
    return skipped;
  }

  /** The comma-separated patterns of key {@code key} in {@code hp}; none when it is absent or blank. */
  private static List<String> patterns(HyperParameters hp, String key) {
    return hp.contains(key) ? java.util.Arrays.stream(hp.getString(key).split(",")).map(String::trim)
        .filter(p -> !p.isEmpty()).toList() : List.of();
  }

  /** {@code train.freeze}: the patterns of the parameters the job does not train; empty = it trains them all. */
  public List<String> frozen() {
    return frozen;
  }

  /** {@code train.freeze_epochs}: the epochs {@link #frozen()} is frozen in, from the first; 0 = every epoch. */
  public int frozenEpochs() {
    return frozenEpochs;
  }

  /** {@code train.freeze} and {@code train.freeze_epochs} as the workers take them. */
  public io.epochal.worker.round.FrozenParameters frozenParameters() {
    return io.epochal.worker.round.FrozenParameters.of(frozen, frozen.isEmpty() ? 0 : frozenEpochs);
  }

  /**
   * The parameters the job never trains: those of {@code train.freeze} when it freezes them in every epoch; none when
   * {@code train.freeze_epochs} trains them later.
   */
  public io.epochal.worker.round.FrozenParameters frozenForGood() {
    return frozenEpochs > 0 ? io.epochal.worker.round.FrozenParameters.NONE : frozenParameters();
  }

  /** {@code train.lr_scale} as written; empty = every parameter at the scheduled rate. */
  public String lrScale() {
    return lrScale;
  }

  /** {@code train.no_weight_decay}: the patterns of the parameters not decayed; empty = all decayed as configured. */
  public List<String> noWeightDecay() {
    return noWeightDecay;
  }

  /**
   * The optimizer's parameter groups {@code train.lr_scale} and {@code train.no_weight_decay} give.
   *
   * @throws ConfigException naming {@code train.lr_scale} and the entry that is not {@code pattern:scale}
   */
  public io.epochal.worker.optim.ParamGroups paramGroups() {
    try {
      return io.epochal.worker.optim.ParamGroups.of(io.epochal.worker.optim.ParamGroups.parseScales(lrScale),
          noWeightDecay);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(LR_SCALE, LR_SCALE + " = " + lrScale + ": " + e.getMessage());
    }
  }

  /** Whether {@code value} of fine-tuning key {@code key} is its default, which is not stored. */
  static boolean storedAsAbsent(String key, Object value) {
    if (key.equals(STRICT)) {
      return value.toString().trim().equalsIgnoreCase("true");
    }
    if (key.equals(FREEZE_EPOCHS)) {
      try {
        return Long.parseLong(value.toString().trim()) == 0;
      } catch (NumberFormatException e) {
        return false; // refused by its declaration
      }
    }
    return isKey(key) && value.toString().isBlank();
  }

  /** Whether {@code key} is one of the fine-tuning keys. */
  static boolean isKey(String key) {
    return key.equals(WEIGHTS) || key.equals(STRICT) || key.equals(STRIP_PREFIX) || key.equals(SKIP)
        || key.equals(FREEZE) || key.equals(FREEZE_EPOCHS) || key.equals(LR_SCALE) || key.equals(NO_WEIGHT_DECAY);
  }

  /**
   * Adds the declarations of {@code train.freeze}, {@code train.freeze_epochs}, {@code train.lr_scale} and {@code
   * train.no_weight_decay}.
   */
  static void declareParameterKeys(List<ParamSpec> specs) {
    specs.add(ParamSpec.builder(FREEZE, ParamType.STRING).optDefault("").optDoc("Parameters the job does not train, "
        + "as param.requires_grad_(False) in PyTorch: comma-separated names of the model's state dict, * standing "
        + "for any run of characters (layers.0.*, *.bias). A frozen parameter gets no gradient, so its weights "
        + "stay as they start (init.weights, or seeded), the optimizer keeps no state for it and decays nothing, "
        + "and clipping leaves it out; buffers (BatchNorm's running statistics) still update in training mode, as "
        + "in PyTorch. A name that matches no trainable parameter, or one that freezes them all, is refused. "
        + "In every epoch, or in the first train.freeze_epochs only. Empty = none.").build());
    specs.add(ParamSpec.builder(FREEZE_EPOCHS, ParamType.LONG).optDefault(0L).optMin(0).optMax(JobKeys.MAX_EPOCH_COUNT)
        .optDoc("Epochs train.freeze freezes its parameters in, from the first; after them they train, their "
        + "optimizer state starting fresh at their first step, as torch creates it (the new head trains alone, then "
        + "the whole model: Lightning's BackboneFinetuning, with train.lr_scale for the backbone's rate). Needs "
        + "train.freeze. 0 = frozen in every epoch.").build());
    specs.add(ParamSpec.builder(LR_SCALE, ParamType.STRING).optDefault("").optDoc("Learning rates of groups of "
        + "parameters, as the parameter groups of torch's optimizers (a backbone at a tenth of its head's rate): "
        + "comma-separated pattern:scale entries (layers.0.*:0.1, layers.3.*:0.5), patterns as train.freeze's. A "
        + "parameter steps at the scheduled rate times the scale of the pattern that names it (timm's lr_scale: "
        + "with schedule.min_lr the floor is scaled too), at the scheduled rate when none does; AdamW's decay "
        + "takes the scaled rate, as torch's does. A pattern that names no trained parameter, and a parameter two "
        + "patterns name, are refused. Empty = every parameter at the scheduled rate.").build());
    specs.add(ParamSpec.builder(NO_WEIGHT_DECAY, ParamType.STRING).optDefault("").optDoc("Parameters the optimizer "
        + "does not decay, as a parameter group with weight_decay 0 (Hugging Face's and timm's no_decay: *.bias and "
        + "normalisation weights): comma-separated patterns as train.freeze's. Needs optimizer.weight_decay > 0; a "
        + "pattern that names no trained parameter is refused. Empty = every parameter decayed as configured.")
        .build());
  }

  /** Adds the declarations of the {@code init.*} keys to {@code specs}. */
  static void declare(List<ParamSpec> specs) {
    specs.add(ParamSpec.builder(WEIGHTS, ParamType.STRING).optDefault("").optDoc("Weights a new job starts from "
        + "instead of the model's seeded initialisation, as PyTorch's model.load_state_dict(load_file(path)) before "
        + "fine-tuning: a safetensors file (safetensors.torch.save_file(model.state_dict(), path)), a sharded "
        + "state's *.safetensors.index.json, or a directory holding model.safetensors or model.safetensors.index.json "
        + "(a checkpoint of another job, whose manifest's sizes and digests are then checked, or a Hugging Face "
        + "model folder); on any Hadoop FileSystem. Tensors are named as in the model's state dict "
        + "(worker/MODELS.md); floating-point tensors of another precision are converted. Read when training starts "
        + "at epoch 1, never by a resume that continues from a checkpoint; every checkpoint records its SHA-256 "
        + "(init_sha256). The optimizer and the schedule start fresh. Empty = none.").build());
    specs.add(ParamSpec.builder(STRICT, ParamType.BOOLEAN).optDefault(true).optDoc("As load_state_dict(strict=...): "
        + "true = init.weights holds every tensor of the model and no other; false = the model's tensors it lacks "
        + "keep their seeded initialisation and its tensors the model lacks are ignored, the first five of each "
        + "named in the log with how many more. "
        + "Shapes must match either way.").build());
    specs.add(ParamSpec.builder(STRIP_PREFIX, ParamType.STRING).optDefault("").optDoc("A prefix the tensor names "
        + "in init.weights carry and the model's do not ('module.' of a DistributedDataParallel model's state dict, "
        + "'model.' of a Lightning module's): a name that starts with it is read without it. Empty = none.").build());
    specs.add(ParamSpec.builder(SKIP, ParamType.STRING).optDefault("").optDoc("Tensors of init.weights that are not "
        + "loaded, as a script deletes them from the state dict before load_state_dict: comma-separated names (after "
        + "init.strip_prefix), * standing for any run of characters. The model's tensors of those names keep their "
        + "seeded initialisation, with init.strict=true too: a new head for another number of classes "
        + "(layers.6.* of an mlp of two hidden layers). A name that matches no tensor of the weights is refused. "
        + "Empty = none.").build());
  }
}
