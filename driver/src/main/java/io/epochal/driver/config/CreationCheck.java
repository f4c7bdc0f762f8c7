package io.epochal.driver.config;

import io.epochal.params.HyperParameters;
import io.epochal.worker.loss.HuberLoss;
import io.epochal.worker.loss.SmoothL1Loss;
import io.epochal.worker.loss.Losses;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The last check of a job spec: the chosen optimizer's and schedule's values and the loss's label
 * smoothing, checked as a worker checks them when it creates them ({@link ModelCatalog#checkOptimizerValues}, {@link
 * ModelCatalog#checkScheduleValues}). A value that only fails there (adam's beta1 = 1, sgd's
 * nesterov without momentum, a multistep schedule without milestones) would otherwise pass every
 * declaration, get written into job.json, and fail every task of the first round.
 */
final class CreationCheck {

  private final ModelCatalog catalog;
  /** The values {@link #trainable} was built for. */
  private HyperParameters trainableOf;
  private java.util.Optional<List<String>> trainable;

  CreationCheck(ModelCatalog catalog) {
    this.catalog = catalog;
  }

  /**
   * Checks the optimizer's and the schedule's values as a worker checks them when it creates them
   * ({@link ModelCatalog#checkOptimizerValues}, {@link ModelCatalog#checkScheduleValues}): a value
   * that only fails there (sgd's nesterov without momentum) would otherwise fail every task of the
   * first round, after job.json was written with it. Each part is checked only when asked: one
   * whose own keys were refused already would be reported twice.
   */
  void check(HyperParameters values, Map<String, SpecValidator.Sourced> raw, List<ConfigException> problems,
      boolean checkOptimizer, boolean checkSchedule) {
    if (values.contains(JobKeys.LABEL_SMOOTHING) && values.getDouble(JobKeys.LABEL_SMOOTHING) > 0
        && !Losses.isClassification(values.getString(JobKeys.LOSS))) {
      // the worker's loss registry refuses it as it creates the loss: every task of the first round would fail
      SpecValidator.Sourced given = raw.get(JobKeys.LABEL_SMOOTHING);
      problems.add(new ConfigException(JobKeys.LABEL_SMOOTHING, JobKeys.LABEL_SMOOTHING + " = "
          + values.getDouble(JobKeys.LABEL_SMOOTHING) + (given == null ? "" : " (from " + given.source + ")")
          + " smooths class labels, but loss = " + values.getString(JobKeys.LOSS) + " has none (only "
          + "softmax_cross_entropy does): remove it, or set " + JobKeys.LABEL_SMOOTHING + "=0"));
    }
    LossKeys.problem(values, raw).or(() -> classWeightCount(values, raw)).ifPresent(problems::add);
    regressionOutputs(values).ifPresent(problems::add);
    lossParameterProblem(values, raw, JobKeys.HUBER_DELTA, HuberLoss.DEFAULT_DELTA, HuberLoss.NAME)
        .ifPresent(problems::add);
    lossParameterProblem(values, raw, JobKeys.SMOOTH_L1_BETA, SmoothL1Loss.DEFAULT_BETA, SmoothL1Loss.NAME)
        .ifPresent(problems::add);
    if (values.contains(JobKeys.CLIP_GRAD_NORM) && values.getDouble(JobKeys.CLIP_GRAD_NORM) > 0
        && values.contains(JobKeys.CLIP_GRAD_VALUE) && values.getDouble(JobKeys.CLIP_GRAD_VALUE) > 0) {
      // two clippings of one gradient: their order would be a choice of ours, as Lightning makes users choose one
      problems.add(new ConfigException(JobKeys.CLIP_GRAD_VALUE, JobKeys.CLIP_GRAD_VALUE + " = "
          + values.getDouble(JobKeys.CLIP_GRAD_VALUE) + " and " + JobKeys.CLIP_GRAD_NORM + " = "
          + values.getDouble(JobKeys.CLIP_GRAD_NORM) + " clip the same gradients two ways; set one of them (the other "
          + "to 0), as Lightning's gradient_clip_algorithm chooses one"));
    }
    initWithoutWeights(values, raw).ifPresent(problems::add);
    EmaKeys.problem(values, raw).ifPresent(problems::add);
    frozenProblem(values, raw).ifPresent(problems::add);
    paramGroupProblems(values, raw, problems);
    HyperParameters optimizer = withoutPrefix(values, JobKeys.OPTIMIZER_PREFIX, JobKeys.OPTIMIZER_NAME);
    try {
      if (checkOptimizer) {
        catalog.checkOptimizerValues(values.getString(JobKeys.OPTIMIZER_NAME), optimizer);
        if (checkSchedule) {
          cycledMomentumProblem(values, optimizer, raw).ifPresent(problems::add);
        }
      }
    } catch (IllegalArgumentException e) {
      problems.add(notTogether(JobKeys.OPTIMIZER_PREFIX, optimizer, raw, e));
    }
    if (!checkSchedule) {
      return;
    }
    Object lr = optimizer.asMap().get("lr");
    HyperParameters schedule = withoutPrefix(values, JobKeys.SCHEDULE_PREFIX, JobKeys.SCHEDULE_NAME);
    try {
      catalog.checkScheduleValues(values.getString(JobKeys.SCHEDULE_NAME), schedule,
          lr instanceof Number ? ((Number) lr).doubleValue() : 0);
    } catch (IllegalArgumentException e) {
      problems.add(notTogether(JobKeys.SCHEDULE_PREFIX, schedule, raw, e));
    }
  }

  /**
   * A {@code train.freeze} pattern that matches no trainable parameter of the model (a typo would
   * otherwise train what was meant to stay), or patterns that freeze every one (nothing would train).
   */
  private java.util.Optional<ConfigException> frozenProblem(HyperParameters values,
      Map<String, SpecValidator.Sourced> raw) {
    FineTuning tuning = FineTuning.of(values);
    List<String> patterns = tuning.frozen();
    if (patterns.isEmpty() && tuning.frozenEpochs() > 0) {
      return java.util.Optional.of(new ConfigException(FineTuning.FREEZE_EPOCHS, given(values, raw,
          FineTuning.FREEZE_EPOCHS) + " says how long " + FineTuning.FREEZE + " freezes its parameters, but it names "
          + "none: name them with " + FineTuning.FREEZE + "=<patterns>, or remove " + FineTuning.FREEZE_EPOCHS));
    }
    java.util.Optional<List<String>> params = patterns.isEmpty() ? java.util.Optional.empty()
        : trainableParameters(values);
    if (params.isEmpty()) {
      return java.util.Optional.empty();
    }
    io.epochal.worker.round.FrozenParameters frozen = io.epochal.worker.round.FrozenParameters.of(patterns);
    List<String> unmatched = frozen.unmatched(params.get());
    String names = modelTrains(values, params.get());
    if (!unmatched.isEmpty()) {
      return java.util.Optional.of(new ConfigException(FineTuning.FREEZE, given(values, raw, FineTuning.FREEZE) + ": "
          + String.join(", ", unmatched) + " matches no trainable parameter; " + names
          + " (* stands for any run of characters: layers.0.*)"));
    }
    if (params.get().stream().allMatch(frozen::isFrozen)) {
      return java.util.Optional.of(new ConfigException(FineTuning.FREEZE, given(values, raw, FineTuning.FREEZE)
          + " freezes every trainable parameter, so nothing would train; " + names));
    }
    return java.util.Optional.empty();
  }

  /**
   * {@code train.lr_scale} entries that are not {@code pattern:scale}; patterns of it or of {@code
   * train.no_weight_decay} that name no parameter the job trains (a frozen one is not trained); a parameter two
   * scales name; and {@code train.no_weight_decay} with an optimizer that decays nothing.
   */
  private void paramGroupProblems(HyperParameters values, Map<String, SpecValidator.Sourced> raw,
      List<ConfigException> problems) {
    FineTuning tuning = FineTuning.of(values);
    io.epochal.worker.optim.ParamGroups groups;
    SpecValidator.Sourced from = raw.get(FineTuning.LR_SCALE);
    try {
      if (from != null && from.text) { // given anew: decimal numbers only, as Python reads the job's files
        io.epochal.worker.optim.ParamGroups.parseScales(tuning.lrScale(), true);
      }
      groups = tuning.paramGroups();
    } catch (IllegalArgumentException e) {
      String said = e instanceof ConfigException ? e.getMessage() : FineTuning.LR_SCALE + " = " + tuning.lrScale()
          + ": " + e.getMessage();
      problems.add(new ConfigException(FineTuning.LR_SCALE, said + (from == null ? "" : " (from " + from.source
          + ")")));
      return;
    }
    if (groups.isEmpty()) {
      return;
    }
    if (!groups.noDecayPatterns().isEmpty() && optimizerWeightDecay(values) == 0) {
      problems.add(new ConfigException(FineTuning.NO_WEIGHT_DECAY, given(values, raw, FineTuning.NO_WEIGHT_DECAY)
          + " exempts parameters from weight decay, but " + JobKeys.OPTIMIZER_PREFIX + "weight_decay is 0 for "
          + "optimizer " + values.getString(JobKeys.OPTIMIZER_NAME) + ", which decays none: set "
          + JobKeys.OPTIMIZER_PREFIX + "weight_decay above 0, or remove " + FineTuning.NO_WEIGHT_DECAY));
    }
    java.util.Optional<List<String>> params = trainableParameters(values);
    if (params.isEmpty()) {
      return;
    }
    io.epochal.worker.round.FrozenParameters frozen = tuning.frozenForGood();
    List<String> trained = params.get().stream().filter(n -> !frozen.isFrozen(n)).toList();
    String names = modelTrains(values, trained) + (frozen.isEmpty() ? "" : " (" + FineTuning.FREEZE + " leaves out "
        + String.join(", ", params.get().stream().filter(frozen::isFrozen).toList()) + ")");
    List<String> scales = groups.scaleProblems(trained);
    if (!scales.isEmpty()) {
      problems.add(new ConfigException(FineTuning.LR_SCALE, given(values, raw, FineTuning.LR_SCALE) + ": "
          + String.join("; ", scales) + "; " + names));
    }
    List<String> noDecay = groups.unmatchedNoDecay(trained);
    if (!noDecay.isEmpty()) {
      problems.add(new ConfigException(FineTuning.NO_WEIGHT_DECAY, given(values, raw, FineTuning.NO_WEIGHT_DECAY)
          + ": " + String.join(", ", noDecay) + " matches no trained parameter; " + names));
    }
  }

  /** The optimizer's {@code weight_decay}, its default when not set; -1 when the optimizer's keys do not resolve. */
  private double optimizerWeightDecay(HyperParameters values) {
    String name = values.getString(JobKeys.OPTIMIZER_NAME);
    try {
      return catalog.optimizer(name).map(specs -> specs.resolve(withoutPrefix(values, JobKeys.OPTIMIZER_PREFIX,
          JobKeys.OPTIMIZER_NAME))).filter(hp -> hp.contains("weight_decay")).map(hp -> hp.getDouble("weight_decay"))
          .orElse(-1.0);
    } catch (IllegalArgumentException e) {
      return -1; // the optimizer's own keys are refused, and said so, already
    }
  }

  /** The model's trainable parameters, when the catalog can build it from {@code values}; built once per values. */
  private java.util.Optional<List<String>> trainableParameters(HyperParameters values) {
    if (values != trainableOf) {
      trainableOf = values;
      trainable = buildTrainableParameters(values);
    }
    return trainable;
  }

  private java.util.Optional<List<String>> buildTrainableParameters(HyperParameters values) {
    if (!values.contains(JobKeys.MODEL_NAME) || !values.contains(JobKeys.MODEL_VERSION)) {
      return java.util.Optional.empty();
    }
    try {
      return catalog.trainableParameters(values.getString(JobKeys.MODEL_NAME), values.getLong(JobKeys.MODEL_VERSION),
          modelValues(values));
    } catch (IllegalArgumentException e) {
      return java.util.Optional.empty(); // the model's own keys are refused, and said so, already
    }
  }

  /** The model's own hyperparameters among {@code values}, without the prefix. */
  private static HyperParameters modelValues(HyperParameters values) {
    return HyperParameters.builder().putAll(values.withPrefix(JobKeys.MODEL_PREFIX)).remove("name").remove("version")
        .build();
  }

  /**
   * {@code loss.class_weights} of another count than the model's outputs, when the catalog can build the model (a
   * worker's loss would refuse the first batch of every task otherwise); weights that do not parse are refused already.
   */
  private java.util.Optional<ConfigException> classWeightCount(HyperParameters values,
      Map<String, SpecValidator.Sourced> raw) {
    String text = LossKeys.text(values);
    if (text.isEmpty() || !values.contains(JobKeys.MODEL_NAME) || !values.contains(JobKeys.MODEL_VERSION)) {
      return java.util.Optional.empty();
    }
    int weights = LossKeys.classWeights(text).length;
    java.util.OptionalInt outputs = outputs(catalog, values);
    if (outputs.isEmpty() || outputs.getAsInt() == weights) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new ConfigException(LossKeys.CLASS_WEIGHTS, given(values, raw, LossKeys.CLASS_WEIGHTS)
        + LossKeys.countMismatch(weights, values.getString(JobKeys.MODEL_NAME), values.getLong(JobKeys.MODEL_VERSION),
        outputs.getAsInt())));
  }

  /**
   * A regression loss ({@code mse}, {@code huber}, ...) with a model of other than one output, when the catalog can
   * build the model: found here, before Spark starts, rather than once the data is read.
   */
  private java.util.Optional<ConfigException> regressionOutputs(HyperParameters values) {
    if (!values.contains(JobKeys.LOSS) || Losses.isClassification(values.getString(JobKeys.LOSS))) {
      return java.util.Optional.empty();
    }
    java.util.OptionalInt outputs = outputs(catalog, values);
    if (outputs.isEmpty() || outputs.getAsInt() == 1) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(new ConfigException(JobKeys.LOSS, LossKeys.regressionOutputs(values.getString(
        JobKeys.LOSS), values.getString(JobKeys.MODEL_NAME), values.getLong(JobKeys.MODEL_VERSION),
        outputs.getAsInt())));
  }

  /**
   * The outputs of the model {@code values} name, when {@code catalog} can build it; empty for a model it
   * cannot tell, or whose own keys are invalid (those are refused, and said so, by the key checks).
   */
  static java.util.OptionalInt outputs(ModelCatalog catalog, HyperParameters values) {
    if (!values.contains(JobKeys.MODEL_NAME) || !values.contains(JobKeys.MODEL_VERSION)) {
      return java.util.OptionalInt.empty();
    }
    try {
      return catalog.outputs(values.getString(JobKeys.MODEL_NAME), values.getLong(JobKeys.MODEL_VERSION),
          modelValues(values));
    } catch (IllegalArgumentException | io.epochal.worker.model.ModelCodeException e) {
      return java.util.OptionalInt.empty(); // the model's keys, or its code, are said by the checks that build it
    }
  }

  private static String modelTrains(HyperParameters values, List<String> params) {
    return "model " + values.getString(JobKeys.MODEL_NAME) + " v" + values.getLong(JobKeys.MODEL_VERSION) + " trains "
        + String.join(", ", params);
  }

  /** {@code key = value}, and where it was set. */
  private static String given(HyperParameters values, Map<String, SpecValidator.Sourced> raw, String key) {
    SpecValidator.Sourced from = raw.get(key);
    return key + " = " + values.get(key) + (from == null ? "" : " (from " + from.source + ")");
  }

  /** {@code init.strict}, {@code init.strip_prefix} or {@code init.skip} without {@code init.weights}. */
  private static java.util.Optional<ConfigException> initWithoutWeights(HyperParameters values,
      Map<String, SpecValidator.Sourced> raw) {
    FineTuning init = FineTuning.of(values);
    if (init.weights().isPresent() || (init.strict() && init.stripPrefix().isEmpty() && init.skipped().isEmpty())) {
      return java.util.Optional.empty();
    }
    String key = !init.strict() ? FineTuning.STRICT : !init.stripPrefix().isEmpty() ? FineTuning.STRIP_PREFIX
        : FineTuning.SKIP;
    SpecValidator.Sourced given = raw.get(key);
    return java.util.Optional.of(new ConfigException(key, key + " = " + values.get(key) + (given == null ? ""
        : " (from " + given.source + ")") + " says how to read " + FineTuning.WEIGHTS + ", which is not given: "
        + "name the weights the job starts from with " + FineTuning.WEIGHTS + "=<safetensors file or checkpoint "
        + "directory>, or remove " + key));
  }

  /**
   * A one-cycle schedule that sets the momentum of an optimizer that keeps none (sgd or rmsprop with momentum 0): torch
   * would switch momentum on; a worker refuses it at the first step. Said on {@code optimizer.momentum}.
   */
  private java.util.Optional<ConfigException> cycledMomentumProblem(HyperParameters values, HyperParameters optimizer,
      Map<String, SpecValidator.Sourced> raw) {
    String name = values.getString(JobKeys.OPTIMIZER_NAME);
    if (!values.contains(JobKeys.SCHEDULE_CYCLE_MOMENTUM) || !values.getBoolean(JobKeys.SCHEDULE_CYCLE_MOMENTUM)) {
      return java.util.Optional.empty();
    }
    if (catalog.takesScheduledMomentum(name, optimizer)) {
      return zeroMomentumProblem(values, name, raw);
    }
    String key = JobKeys.OPTIMIZER_PREFIX + "momentum";
    SpecValidator.Sourced given = raw.get(JobKeys.SCHEDULE_CYCLE_MOMENTUM);
    return java.util.Optional.of(new ConfigException(key, JobKeys.SCHEDULE_CYCLE_MOMENTUM + " = true" + (given == null
        ? "" : " (from " + given.source + ")") + " sets the momentum of every step, but optimizer " + name + " has "
        + key + " = 0 and keeps no momentum buffer: set " + key + " above 0 (the schedule replaces it every step, "
        + "from " + JobKeys.SCHEDULE_MAX_MOMENTUM + " on, as torch's OneCycleLR does), or "
        + JobKeys.SCHEDULE_CYCLE_MOMENTUM + "=false"));
  }

  /** A cycled momentum that reaches 0 for an optimizer that cannot take a step of momentum 0. */
  private java.util.Optional<ConfigException> zeroMomentumProblem(HyperParameters values, String name,
      Map<String, SpecValidator.Sourced> raw) {
    if (catalog.takesZeroStepMomentum(name)) {
      return java.util.Optional.empty();
    }
    for (String key : List.of(JobKeys.SCHEDULE_BASE_MOMENTUM, JobKeys.SCHEDULE_MAX_MOMENTUM)) {
      if (values.contains(key) && values.getDouble(key) == 0) {
        return java.util.Optional.of(new ConfigException(key, given(values, raw, key) + " makes the momentum of some "
            + "steps 0: torch's " + name + " takes such a step as one without momentum that leaves its buffer "
            + "alone, which Epochal's " + name + " does not; set " + key + " above 0, or "
            + JobKeys.SCHEDULE_CYCLE_MOMENTUM + "=false"));
      }
    }
    return java.util.Optional.empty();
  }

  /** {@code key}, a parameter only loss {@code loss} reads, set away from its default for another loss. */
  private static java.util.Optional<ConfigException> lossParameterProblem(HyperParameters values,
      Map<String, SpecValidator.Sourced> raw, String key, double defaultValue, String loss) {
    if (!values.contains(key) || values.getDouble(key) == defaultValue || loss.equals(values.getString(JobKeys.LOSS))) {
      return java.util.Optional.empty();
    }
    SpecValidator.Sourced given = raw.get(key);
    return java.util.Optional.of(new ConfigException(key, key + " = " + values.getDouble(key) + (given == null ? ""
        : " (from " + given.source + ")") + " is read only by loss " + loss + ", but loss = "
        + values.getString(JobKeys.LOSS) + ": remove it, or set " + JobKeys.LOSS + "=" + loss));
  }

  /** {@code values}' keys under {@code prefix}, without it, and without the name key. */
  private static HyperParameters withoutPrefix(HyperParameters values, String prefix, String nameKey) {
    HyperParameters.Builder b = HyperParameters.builder();
    values.asMap().forEach((k, v) -> {
      if (k.startsWith(prefix) && !k.equals(nameKey)) {
        b.put(k.substring(prefix.length()), v);
      }
    });
    return b.build();
  }

  /** The problem {@code e} names, on the first key of {@code part} its message names, and where it was set. */
  private static ConfigException notTogether(String prefix, HyperParameters part, Map<String, SpecValidator.Sourced> raw,
      IllegalArgumentException e) {
    String message = e.getMessage();
    String key = prefix + "*";
    int at = Integer.MAX_VALUE;
    for (String name : part.asMap().keySet()) {
      Matcher m = Pattern.compile("\\b" + Pattern.quote(name)
          + "\\b").matcher(message);
      if (m.find() && m.start() < at) {
        at = m.start();
        key = prefix + name;
      }
    }
    SpecValidator.Sourced given = raw.get(key);
    return new ConfigException(key, key + ": " + message + (given == null ? "" : " (from " + given.source + ")")
        + "; fix it in the job file or with --set " + key + "=<value>");
  }
}
