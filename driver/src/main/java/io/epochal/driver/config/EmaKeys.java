package io.epochal.driver.config;

import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpec;
import io.epochal.params.ParamType;
import io.epochal.worker.ema.EmaSettings;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The moving average of the model a job keeps ({@code train.ema_decay}, {@code train.ema_every_n_steps}): their
 * declarations, how they are read and checked together. Not stored at their defaults (none; every step), so a job
 * without them reads as one created before they existed.
 */
public final class EmaKeys {

  /** Key of the decay of the exponential moving average of the model's tensors; 0 = none kept. */
  public static final String EMA_DECAY = "train.ema_decay";
  /** Key of the optimizer steps between two updates of the moving average; 1 = after every step. */
  public static final String EMA_EVERY_N_STEPS = "train.ema_every_n_steps";

  private EmaKeys() {}

  /** The decay {@code values} (a resolved job's or a checkpoint's keys) train with; 0 = none. */
  public static double decay(HyperParameters values) {
    return JobKeys.numberOrZero(values, EMA_DECAY);
  }

  /** The moving average {@code values} train with: decay and update interval ({@link EmaSettings#NONE} for none). */
  public static EmaSettings settings(HyperParameters values) {
    long every = values.contains(EMA_EVERY_N_STEPS) ? ((Number) values.get(EMA_EVERY_N_STEPS)).longValue() : 1;
    return new EmaSettings(decay(values), Math.toIntExact(every));
  }

  /** Whether {@code key} is one of the moving average's keys. */
  static boolean isKey(String key) {
    return key.equals(EMA_DECAY) || key.equals(EMA_EVERY_N_STEPS);
  }

  /** Whether {@code value} of {@code key} is its default (no moving average; every step), which is not stored. */
  static boolean storedAsAbsent(String key, Object value) {
    try {
      double v = Double.parseDouble(value.toString().trim());
      return key.equals(EMA_DECAY) ? v == 0 : key.equals(EMA_EVERY_N_STEPS) && v == 1;
    } catch (NumberFormatException e) {
      return false; // refused by its declaration
    }
  }

  /** {@code train.ema_every_n_steps} set without {@code train.ema_decay}: an interval of no average. */
  static Optional<ConfigException> problem(HyperParameters values, Map<String, SpecValidator.Sourced> raw) {
    EmaSettings ema = settings(values);
    if (ema.kept() || ema.everyNSteps() == 1) {
      return Optional.empty();
    }
    SpecValidator.Sourced from = raw.get(EMA_EVERY_N_STEPS);
    return Optional.of(new ConfigException(EMA_EVERY_N_STEPS, EMA_EVERY_N_STEPS + " = " + ema.everyNSteps()
        + (from == null ? "" : " (from " + from.source + ")") + " says how often the moving average is updated, "
        + "but the job keeps none: set " + EMA_DECAY + " (0.999, say), or remove " + EMA_EVERY_N_STEPS));
  }

  /** Adds the declarations of {@code train.ema_decay} and {@code train.ema_every_n_steps} to {@code specs}. */
  static void declare(List<ParamSpec> specs) {
    specs.add(ParamSpec.builder(EMA_DECAY, ParamType.DOUBLE).optDefault(0.0).optMin(0.0).optMaxExclusive(1.0)
        .optDoc("Decay of an exponential moving average of the model's tensors kept beside them (0.999 is common): "
            + "after every optimizer step (or every train.ema_every_n_steps-th) ema = decay * ema + (1 - decay) * "
            + "tensor, the job's first update copying the model, as torch.optim.swa_utils.AveragedModel(model, "
            + "avg_fn=lambda e, p, n: decay * e + (1 - decay) * p, use_buffers=True) and timm's ModelEmaV2: "
            + "parameters and BatchNorm statistics alike, counters copied. Each worker averages its own steps and "
            + "the averages are combined by rows with the model. Every checkpoint holds it as ema.safetensors (the "
            + "model's tensor names); held-out metrics, checkpoint.best_metric, early stopping, evaluate, predict "
            + "and export use it, as timm validates its EMA model (--weights trained takes the trained weights). "
            + "0 = none.").build());
    specs.add(ParamSpec.builder(EMA_EVERY_N_STEPS, ParamType.LONG).optDefault(1L).optMin(1).optMax(1_000_000)
        .optDoc("Optimizer steps between two updates of train.ema_decay's moving average: it is updated after the "
            + "job's n-th, 2n-th, ... step (the first of them copying the model), as a torch loop calling "
            + "update_parameters when (step + 1) % n == 0 and Lightning's update_every_n_steps; each update reads "
            + "the model's tensors on the host (on a GPU, a copy of them). Needs train.ema_decay. 1 = after every "
            + "step.").build());
  }
}
