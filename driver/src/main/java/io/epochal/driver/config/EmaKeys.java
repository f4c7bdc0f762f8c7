package io.epochal.driver.config;

import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpec;
import io.epochal.params.ParamType;
import io.epochal.worker.ema.EmaSettings;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The moving average of the model a job keeps ({@code train.ema_decay}, {@code train.ema_every_n_steps}, {@code
 * train.ema_warmup} with its power and gamma): their declarations, how they are read and checked together. Not
 * stored at their defaults (none; every step; no warm-up, of power 2/3 and gamma 1), so a job without them reads
 * as one created before they existed.
 */
public final class EmaKeys {

  /** Key of the decay of the exponential moving average of the model's tensors; 0 = none kept. */
  public static final String EMA_DECAY = "train.ema_decay";
  /** Key of the optimizer steps between two updates of the moving average; 1 = after every step. */
  public static final String EMA_EVERY_N_STEPS = "train.ema_every_n_steps";
  /** Key of whether the moving average's decay warms up (timm's {@code ModelEmaV3(use_warmup=True)}). */
  public static final String EMA_WARMUP = "train.ema_warmup";
  /** Key of the warm-up's power (timm's {@code warmup_power}, diffusers' {@code power}). */
  public static final String EMA_WARMUP_POWER = "train.ema_warmup_power";
  /** Key of the warm-up's gamma (timm's {@code warmup_gamma}, diffusers' {@code inv_gamma}). */
  public static final String EMA_WARMUP_GAMMA = "train.ema_warmup_gamma";
  /** The warm-up's default power, timm's and diffusers'. */
  static final double DEFAULT_WARMUP_POWER = 2 / 3.0;
  private static final List<String> KEYS = List.of(EMA_DECAY, EMA_EVERY_N_STEPS, EMA_WARMUP, EMA_WARMUP_POWER,
      EMA_WARMUP_GAMMA);

  private EmaKeys() {}

  /** The decay {@code values} (a resolved job's or a checkpoint's keys) train with; 0 = none. */
  public static double decay(HyperParameters values) {
    return JobKeys.numberOrZero(values, EMA_DECAY);
  }

  /** The moving average {@code values} train with: decay and update interval ({@link EmaSettings#NONE} for none). */
  public static EmaSettings settings(HyperParameters values) {
    long every = values.contains(EMA_EVERY_N_STEPS) ? ((Number) values.get(EMA_EVERY_N_STEPS)).longValue() : 1;
    boolean warmup = values.contains(EMA_WARMUP) && Boolean.TRUE.equals(values.get(EMA_WARMUP));
    return new EmaSettings(decay(values), Math.toIntExact(every), warmup ? number(values, EMA_WARMUP_POWER,
        DEFAULT_WARMUP_POWER) : 0, number(values, EMA_WARMUP_GAMMA, 1));
  }

  private static double number(HyperParameters values, String key, double absent) {
    return values.contains(key) ? ((Number) values.get(key)).doubleValue() : absent;
  }

  /** Whether {@code key} is one of the moving average's keys. */
  static boolean isKey(String key) {
    return KEYS.contains(key);
  }

  /**
   * Whether {@code value} of {@code key} is its default (no moving average; every step; no warm-up, of power 2/3
   * and gamma 1), which is not stored.
   */
  static boolean storedAsAbsent(String key, Object value) {
    String text = value.toString().trim();
    if (key.equals(EMA_WARMUP)) {
      return text.equalsIgnoreCase("false");
    }
    try {
      double v = Double.parseDouble(text);
      return key.equals(EMA_DECAY) ? v == 0 : key.equals(EMA_EVERY_N_STEPS) ? v == 1
          : key.equals(EMA_WARMUP_POWER) ? v == DEFAULT_WARMUP_POWER : key.equals(EMA_WARMUP_GAMMA) && v == 1;
    } catch (NumberFormatException e) {
      return false; // refused by its declaration
    }
  }

  /**
   * A key of the moving average set while what it shapes is not there: {@code train.ema_every_n_steps} or {@code
   * train.ema_warmup} without {@code train.ema_decay}, the warm-up's power or gamma without {@code
   * train.ema_warmup}.
   */
  static Optional<ConfigException> problem(HyperParameters values, Map<String, SpecValidator.Sourced> raw) {
    EmaSettings ema = settings(values);
    if (!ema.kept() && (ema.everyNSteps() != 1 || ema.warmsUp())) {
      String key = ema.warmsUp() ? EMA_WARMUP : EMA_EVERY_N_STEPS;
      return Optional.of(new ConfigException(key, key + " = " + values.get(key) + source(raw, key) + " says how "
          + (ema.warmsUp() ? "the moving average is warmed up" : "often the moving average is updated")
          + ", but the job keeps none: set " + EMA_DECAY + " (0.999, say), or remove " + key));
    }
    for (String key : List.of(EMA_WARMUP_POWER, EMA_WARMUP_GAMMA)) {
      if (raw.containsKey(key) && !ema.warmsUp()) {
        return Optional.of(new ConfigException(key, key + " = " + values.get(key) + source(raw, key) + " shapes "
            + "the warm-up of the moving average's decay, but " + EMA_WARMUP + " is not true: set " + EMA_WARMUP
            + "=true, or remove " + key));
      }
    }
    return Optional.empty();
  }

  private static String source(Map<String, SpecValidator.Sourced> raw, String key) {
    SpecValidator.Sourced from = raw.get(key);
    return from == null ? "" : " (from " + from.source + ")";
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
    specs.add(ParamSpec.builder(EMA_WARMUP, ParamType.BOOLEAN).optDefault(false)
        .optDoc("Warm up train.ema_decay: the k-th update of the moving average blends with min(decay, 1 - (1 + "
            + "(k - 1) / train.ema_warmup_gamma) ^ -train.ema_warmup_power) instead of decay (0 for the first, a "
            + "copy; 0.37, 0.52, 0.60, ... with the defaults, up to decay), so the average follows the model while it "
            + "moves fast and keeps decay's long memory later: timm's ModelEmaV3(use_warmup=True) and diffusers' "
            + "EMAModel(use_ema_warmup=True) given the update count. Needs train.ema_decay.").build());
    specs.add(ParamSpec.builder(EMA_WARMUP_POWER, ParamType.DOUBLE).optDefault(DEFAULT_WARMUP_POWER)
        .optMinExclusive(0.0).optMax(10.0)
        .optDoc("Power of train.ema_warmup's decay (timm's warmup_power, diffusers' power): 2/3 suits long runs, "
            + "3/4 short ones. Needs train.ema_warmup.").build());
    specs.add(ParamSpec.builder(EMA_WARMUP_GAMMA, ParamType.DOUBLE).optDefault(1.0).optMinExclusive(0.0)
        .optMax(1e9).optDoc("Gamma of train.ema_warmup's decay (timm's warmup_gamma, diffusers' inv_gamma): "
            + "updates scale as k / gamma. Needs train.ema_warmup.").build());
  }
}
