package io.epochal.driver.config;

import io.epochal.params.ParamSpecs;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The error for a key no job declares, suggesting the key meant: the nearest fixed key, or the key
 * with a misspelled {@code model.}, {@code optimizer.} or {@code schedule.} prefix corrected when
 * the chosen optimizer or schedule declares it.
 */
final class UnknownKeys {

  private UnknownKeys() {}

  /**
   * The error for unknown key {@code key} (from {@code source}), suggesting the nearest of {@code
   * known}, with {@code hint} on where the valid keys are listed.
   */
  static ConfigException of(String key, String source, Iterable<String> known, String hint) {
    // PyTorch's names, also under the model's prefix (model.lr): said as the key meant, not "remove it"
    Optional<String> spelled = pytorchSpelling(key).or(() -> key.startsWith(JobKeys.MODEL_PREFIX)
        ? pytorchSpelling(key.substring(JobKeys.MODEL_PREFIX.length())) : Optional.empty());
    if (spelled.isPresent()) {
      return new ConfigException(key, "unknown key '" + key + "' (from " + source + "); " + spelled.get() + " ("
          + hint + ")");
    }
    List<String> candidates = new ArrayList<>();
    known.forEach(candidates::add);
    String lower = key.strip().toLowerCase(Locale.ROOT);
    if (!lower.equals(key) && candidates.contains(lower)) {
      return lowerCase(key, source, lower);
    }
    String near = ParamSpecs.nearest(key, candidates);
    return new ConfigException(key, "unknown key '" + key + "' (from " + source + ")"
        + (near == null ? "; remove it" : "; did you mean '" + near + "'?") + " (" + hint + ")");
  }

  /**
   * The error for {@code key} (from {@code source}), which is neither a fixed key nor under a model,
   * optimizer or schedule prefix; {@code raw} holds the spec's other keys (the optimizer and schedule
   * chosen), checked against {@code catalog} when not null.
   */
  static ConfigException unprefixed(String key, String source, Map<String, SpecValidator.Sourced> raw,
      ModelCatalog catalog) {
    if (key.startsWith("spark.")) { // a Spark conf key written into a job file
      String job = key.startsWith(JobKeys.SPARK_CONF_PREFIX) ? key.substring(JobKeys.SPARK_CONF_PREFIX.length()) : "";
      return new ConfigException(key, "unknown key '" + key + "' (from " + source + "): " + (job.isEmpty()
          ? "Spark and Hadoop settings are not job keys: give them to the command as --conf " + key + "=<value>"
          : "a job file names a job key without Spark's prefix: write '" + job + "' (spark.epochal.<key> is the "
          + "--conf form)"));
    }
    String lower = key.strip().toLowerCase(Locale.ROOT);
    boolean prefixed = List.of(JobKeys.MODEL_PREFIX, JobKeys.OPTIMIZER_PREFIX, JobKeys.SCHEDULE_PREFIX).stream()
        .anyMatch(p -> lower.startsWith(p) && lower.length() > p.length());
    if (!lower.equals(key) && (JobKeys.specs().get(lower) != null
        || prefixed && undeclaredBy(lower, raw, catalog).isEmpty())) {
      return lowerCase(key, source, lower);
    }
    List<String> candidates = allKnownKeys();
    String corrected = withNearPrefixCorrected(key);
    Optional<String> undeclared = corrected == null ? Optional.empty() : undeclaredBy(corrected, raw, catalog);
    if (corrected != null && undeclared.isEmpty()) {
      candidates.add(corrected);
    }
    return of(key, source, candidates, undeclared.orElse("see conf/REFERENCE.md for every key"));
  }

  private static ConfigException lowerCase(String key, String source, String lower) {
    return new ConfigException(key, "unknown key '" + key + "' (from " + source + "); keys are lower case: write '"
        + lower + "'");
  }

  /**
   * The names PyTorch (torch.optim, its schedulers) and common training scripts give what a job
   * key sets, lower-cased, to the advice for each: a key a user would otherwise be told to remove,
   * and then train on the default without noticing.
   */
  private static final Map<String, String> PYTORCH_NAMES = Map.ofEntries(
      Map.entry("lr", "the learning rate is optimizer.lr"),
      Map.entry("learning_rate", "the learning rate is optimizer.lr"),
      Map.entry("weight_decay", "write optimizer.weight_decay"),
      Map.entry("momentum", "write optimizer.momentum (optimizer.name=sgd or rmsprop)"),
      Map.entry("alpha", "write optimizer.alpha (optimizer.name=rmsprop)"),
      Map.entry("centered", "write optimizer.centered (optimizer.name=rmsprop)"),
      Map.entry("nesterov", "write optimizer.nesterov (optimizer.name=sgd)"),
      Map.entry("dampening", "write optimizer.dampening (optimizer.name=sgd)"),
      Map.entry("betas", "give optimizer.beta1 and optimizer.beta2, one number each"),
      Map.entry("optimizer.betas", "give optimizer.beta1 and optimizer.beta2, one number each"),
      Map.entry("eps", "write optimizer.eps"),
      Map.entry("amsgrad", "write optimizer.amsgrad"),
      Map.entry("epochs", "write train.epochs"),
      Map.entry("num_epochs", "write train.epochs"),
      Map.entry("max_epochs", "write train.epochs"),
      Map.entry("batch_size", "write train.batch_size (the batch of each worker)"),
      Map.entry("seed", "write job.seed"),
      Map.entry("gamma", "write schedule.gamma (schedule.name=step)"),
      Map.entry("step_size", "write schedule.step_size (schedule.name=step; it counts optimizer steps, or epochs with "
          + "schedule.interval=epoch)"),
      Map.entry("schedule.t_max", "cosine's length is schedule.total_steps (in optimizer steps, or epochs "
          + "with schedule.interval=epoch)"),
      Map.entry("t_max", "cosine's length is schedule.total_steps (in optimizer steps, or epochs with "
          + "schedule.interval=epoch)"),
      Map.entry("t_0", "cosine_restarts' first cycle is schedule.restart_steps (in optimizer steps, or epochs with "
          + "schedule.interval=epoch)"),
      Map.entry("schedule.t_0", "cosine_restarts' first cycle is schedule.restart_steps (in optimizer steps, or "
          + "epochs with schedule.interval=epoch)"),
      Map.entry("t_mult", "cosine_restarts' cycle growth is schedule.restart_mult"),
      Map.entry("schedule.t_mult", "cosine_restarts' cycle growth is schedule.restart_mult"),
      Map.entry("schedule.eta_min", "cosine's floor is schedule.min_lr"),
      Map.entry("eta_min", "cosine's floor is schedule.min_lr"),
      Map.entry("schedule.total_iters", "a linear decay's length is schedule.total_steps (in optimizer steps, or "
          + "epochs with schedule.interval=epoch)"),
      Map.entry("total_iters", "a linear decay's length is schedule.total_steps (in optimizer steps, or "
          + "epochs with schedule.interval=epoch)"),
      Map.entry("schedule.end_factor", "a linear decay ends at the rate schedule.min_lr (a rate, not a factor of "
          + "optimizer.lr)"),
      Map.entry("end_factor", "a linear decay ends at the rate schedule.min_lr (a rate, not a factor of optimizer.lr)"),
      Map.entry("clip_grad_norm", "write train.clip_grad_norm"),
      Map.entry("label_smoothing", "write loss.label_smoothing"),
      Map.entry("class_weights", "write loss.class_weights (one number per class, class 0 first)"),
      Map.entry("class_weight", "class weights are loss.class_weights (one number per class, class 0 first)"),
      Map.entry("loss.class_weight", "write loss.class_weights (one number per class, class 0 first)"),
      Map.entry("loss.weight", "CrossEntropyLoss(weight=...) is loss.class_weights (one number per class, class 0 "
          + "first)"),
      Map.entry("weight", "CrossEntropyLoss(weight=...) is loss.class_weights (one number per class, class 0 first)"),
      Map.entry("delta", "the Huber loss's delta is loss.huber_delta (with loss=huber)"),
      Map.entry("huber_delta", "write loss.huber_delta (with loss=huber)"),
      Map.entry("smooth_l1_beta", "write loss.smooth_l1_beta (with loss=smooth_l1)"),
      Map.entry("loss.beta", "the smooth L1 loss's beta is loss.smooth_l1_beta (with loss=smooth_l1)"),
      Map.entry("max_norm", "the largest total gradient norm is train.clip_grad_norm"),
      Map.entry("gradient_clip_val", "the largest total gradient norm is train.clip_grad_norm (clipping by norm, "
          + "Lightning's default gradient_clip_algorithm; by value: train.clip_grad_value)"),
      Map.entry("gradient_clip_algorithm", "clipping by norm is train.clip_grad_norm, by value train.clip_grad_value"),
      Map.entry("clip_grad_value", "write train.clip_grad_value"),
      Map.entry("clip_value", "the largest gradient element is train.clip_grad_value"),
      Map.entry("accumulate_grad_batches", "write train.accumulate_grad_batches"),
      Map.entry("ema_decay", "write train.ema_decay"),
      Map.entry("model_ema_decay", "timm's model_ema_decay is train.ema_decay"),
      Map.entry("ema", "a moving average of the model is train.ema_decay (0.999 is common)"),
      Map.entry("train.ema", "a moving average of the model is train.ema_decay (0.999 is common)"),
      Map.entry("model_ema", "a moving average of the model is train.ema_decay (0.999 is common)"),
      Map.entry("model_ema_warmup", "timm's model_ema_warmup is train.ema_warmup=true"),
      Map.entry("use_ema_warmup", "diffusers' use_ema_warmup is train.ema_warmup=true"),
      Map.entry("ema_warmup", "write train.ema_warmup=true"),
      Map.entry("train.ema_inv_gamma", "diffusers' inv_gamma is train.ema_warmup_gamma"),
      Map.entry("train.ema_power", "the warm-up's power is train.ema_warmup_power"),
      Map.entry("max_lr", "schedule onecycle peaks at optimizer.lr"),
      Map.entry("schedule.max_lr", "schedule onecycle peaks at optimizer.lr"),
      Map.entry("cycle_momentum", "write schedule.cycle_momentum (with schedule.name=onecycle)"),
      Map.entry("interval", "a schedule stepped once per epoch (Lightning's interval=\"epoch\") is "
          + "schedule.interval=epoch"),
      Map.entry("gradient_accumulation_steps", "batches accumulated per optimizer step are "
          + "train.accumulate_grad_batches"),
      Map.entry("warmup_steps", "write schedule.warmup_steps"),
      Map.entry("workers", "write train.workers"),
      Map.entry("device", "write train.device (cpu or gpu)"),
      Map.entry("init_weights", "write init.weights"),
      Map.entry("pretrained", "the weights a new job starts from are init.weights (a safetensors file or a "
          + "checkpoint directory)"),
      Map.entry("strict", "load_state_dict's strict is init.strict"),
      Map.entry("param_groups", "a group's learning rate is train.lr_scale (pattern:scale, a factor of the scheduled "
          + "rate); a group without weight decay is train.no_weight_decay"),
      Map.entry("no_decay", "parameters without weight decay are train.no_weight_decay"),
      Map.entry("optimizer.no_decay", "parameters without weight decay are train.no_weight_decay"),
      Map.entry("no_weight_decay", "write train.no_weight_decay"),
      Map.entry("optimizer.no_weight_decay", "write train.no_weight_decay"),
      Map.entry("lr_scale", "write train.lr_scale (pattern:scale)"),
      Map.entry("unfreeze_backbone_at_epoch", "parameters frozen in the first N epochs are "
          + "train.freeze=<patterns> with train.freeze_epochs=N"),
      Map.entry("layer_decay", "rates per layer are train.lr_scale (pattern:scale for each layer, as layers.0.*:0.5)"),
      Map.entry("optimizer.lr_scale", "write train.lr_scale (pattern:scale)"),
      // Lightning's ModelCheckpoint and EarlyStopping, bare and under the prefix a user would guess
      Map.entry("every_n_train_steps", "a mid-epoch checkpoint every n rounds is checkpoint.every_n_rounds (a round is "
          + "train.local_steps optimizer steps)"),
      Map.entry("checkpoint.every_n_train_steps", "a mid-epoch checkpoint every n rounds is "
          + "checkpoint.every_n_rounds (a round is train.local_steps optimizer steps)"),
      Map.entry("checkpoint.every_n_steps", "a mid-epoch checkpoint every n rounds is checkpoint.every_n_rounds (a "
          + "round is train.local_steps optimizer steps)"),
      Map.entry("train_time_interval", "a mid-epoch checkpoint every n minutes is checkpoint.every_n_minutes"),
      Map.entry("every_n_epochs", "every epoch is checkpointed; to keep every n-th, write checkpoint.keep_every"),
      Map.entry("checkpoint.every_n_epochs", "every epoch is checkpointed; to keep every n-th, write "
          + "checkpoint.keep_every"),
      Map.entry("save_top_k", "the best checkpoints kept are checkpoint.keep_best (ranked by "
          + "checkpoint.best_metric)"),
      Map.entry("checkpoint.save_top_k", "write checkpoint.keep_best (ranked by checkpoint.best_metric)"),
      Map.entry("save_last", "the newest checkpoints kept are checkpoint.keep_last"),
      Map.entry("checkpoint.monitor", "the metric that ranks checkpoints is checkpoint.best_metric"),
      Map.entry("checkpoint.mode", "write checkpoint.best_mode (min or max)"),
      Map.entry("monitor", "the metric that ranks checkpoints is checkpoint.best_metric; early stopping's is "
          + "early_stop.monitor; plateau's is schedule.monitor"),
      Map.entry("mode", "min or max is checkpoint.best_mode for the checkpoint ranking, early_stop.mode for early "
          + "stopping, schedule.mode for plateau"),
      Map.entry("patience", "write early_stop.patience (epochs without improvement), or schedule.patience for "
          + "plateau"),
      Map.entry("min_delta", "write early_stop.min_delta"),
      Map.entry("early_stop.metric", "the metric early stopping watches is early_stop.monitor"),
      Map.entry("early_stopping.patience", "write early_stop.patience"),
      Map.entry("early_stopping.monitor", "write early_stop.monitor"),
      Map.entry("val_path", "held-out rows are data.validation_path"),
      Map.entry("data.val_path", "write data.validation_path"),
      Map.entry("data.valid_path", "write data.validation_path"),
      Map.entry("validation_path", "write data.validation_path"),
      Map.entry("train.lr", "the learning rate is optimizer.lr"),
      Map.entry("train.learning_rate", "the learning rate is optimizer.lr"),
      Map.entry("optimizer.learning_rate", "write optimizer.lr"),
      Map.entry("ckpt_path", "to continue a job after its newest checkpoint: bin/epochal resume <job-dir>; to start "
          + "a new job from a checkpoint's weights: init.weights=<checkpoint-dir>"));

  /** The advice for a key spelled as PyTorch spells it, if {@code key} is one. */
  private static Optional<String> pytorchSpelling(String key) {
    return Optional.ofNullable(PYTORCH_NAMES.get(key.strip().toLowerCase(Locale.ROOT)));
  }

  /**
   * {@code key} with its first segment replaced by the model, optimizer or schedule prefix it is
   * a misspelling of ({@code optimzer.lr} to {@code optimizer.lr}, {@code Modell.Hidden} to
   * {@code model.hidden}: keys are lower case), or null.
   */
  private static String withNearPrefixCorrected(String key) {
    int dot = key.indexOf('.');
    if (dot <= 0) {
      return null;
    }
    String head = key.substring(0, dot + 1).toLowerCase(Locale.ROOT);
    for (String p : List.of(JobKeys.MODEL_PREFIX, JobKeys.OPTIMIZER_PREFIX, JobKeys.SCHEDULE_PREFIX)) {
      if (ParamSpecs.editDistance(head, p) <= 2) {
        return p + key.substring(dot + 1).toLowerCase(Locale.ROOT);
      }
    }
    return null;
  }

  /**
   * For a key whose misspelled prefix was corrected to {@code corrected} ({@code optimzer.momentum}
   * to {@code optimizer.momentum}): why the corrected key would be refused too, when the chosen
   * optimizer or schedule does not declare it, so no such key is suggested.
   */
  private static Optional<String> undeclaredBy(String corrected, Map<String, SpecValidator.Sourced> raw,
      ModelCatalog catalog) {
    if (corrected.startsWith(JobKeys.MODEL_PREFIX)) {
      return catalog == null ? Optional.empty() : undeclaredByModel(corrected, raw, catalog);
    }
    String nameKey = corrected.startsWith(JobKeys.OPTIMIZER_PREFIX) ? JobKeys.OPTIMIZER_NAME
        : corrected.startsWith(JobKeys.SCHEDULE_PREFIX) ? JobKeys.SCHEDULE_NAME : null;
    if (catalog == null || nameKey == null) {
      return Optional.empty();
    }
    SpecValidator.Sourced given = raw.get(nameKey);
    String name = String.valueOf(given != null ? given.value : JobKeys.specs().get(nameKey).defaultValue());
    String prefix = nameKey.substring(0, nameKey.indexOf('.') + 1);
    Optional<ParamSpecs> specs = prefix.equals(JobKeys.OPTIMIZER_PREFIX) ? catalog.optimizer(name)
        : catalog.schedule(name);
    String suffix = corrected.substring(prefix.length());
    if (specs.isEmpty() || specs.get().get(suffix) != null) {
      return Optional.empty();
    }
    return Optional.of(nameKey + " = '" + name + "' declares no " + corrected + " either; it declares "
        + declared(prefix, specs.get()));
  }

  /**
   * Why model key {@code corrected} would be refused too: the spec's model (its name, and its
   * version as given or the default) does not declare it. Empty when it does, or when the spec names no registered model (its
   * own problem is reported apart).
   */
  private static Optional<String> undeclaredByModel(String corrected, Map<String, SpecValidator.Sourced> raw,
      ModelCatalog catalog) {
    SpecValidator.Sourced name = raw.get(JobKeys.MODEL_NAME);
    SpecValidator.Sourced version = raw.get(JobKeys.MODEL_VERSION);
    if (name == null) {
      return Optional.empty();
    }
    long v;
    try {
      v = Long.parseLong(String.valueOf(version != null ? version.value
          : JobKeys.specs().get(JobKeys.MODEL_VERSION).defaultValue()).strip());
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    String suffix = corrected.substring(JobKeys.MODEL_PREFIX.length());
    Optional<ParamSpecs> specs = catalog.model(String.valueOf(name.value).strip(), v);
    if (specs.isEmpty() || specs.get().get(suffix) != null) {
      return Optional.empty();
    }
    return Optional.of("model " + String.valueOf(name.value).strip() + " v" + v + " declares no " + corrected
        + "; it declares " + declared(JobKeys.MODEL_PREFIX, specs.get()));
  }

  /** The keys {@code specs} declares, with {@code prefix}. */
  private static List<String> declared(String prefix, ParamSpecs specs) {
    List<String> keys = new ArrayList<>();
    specs.all().forEach(spec -> keys.add(prefix + spec.name()));
    return keys;
  }

  private static List<String> allKnownKeys() {
    List<String> keys = new ArrayList<>();
    JobKeys.specs().all().forEach(s -> keys.add(s.name()));
    return keys;
  }
}
