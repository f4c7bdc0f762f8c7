package io.epochal.driver.config;

import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpec;
import io.epochal.params.ParamType;
import java.util.List;

/**
 * The moving average of the model a job keeps ({@code train.ema_decay}): its declaration and how it is read. Not
 * stored at its default (none), so a job without it reads as one created before it existed.
 */
public final class EmaKeys {

  /** Key of the decay of the exponential moving average of the model's tensors; 0 = none kept. */
  public static final String EMA_DECAY = "train.ema_decay";

  private EmaKeys() {}

  /** The decay {@code values} (a resolved job's or a checkpoint's keys) train with; 0 = none. */
  public static double decay(HyperParameters values) {
    return JobKeys.numberOrZero(values, EMA_DECAY);
  }

  /** Whether {@code value} of {@code key} is no moving average, which is not stored. */
  static boolean storedAsAbsent(String key, Object value) {
    try {
      return key.equals(EMA_DECAY) && Double.parseDouble(value.toString().trim()) == 0;
    } catch (NumberFormatException e) {
      return false; // refused by its declaration
    }
  }

  /** Adds the declaration of {@code train.ema_decay} to {@code specs}. */
  static void declare(List<ParamSpec> specs) {
    specs.add(ParamSpec.builder(EMA_DECAY, ParamType.DOUBLE).optDefault(0.0).optMin(0.0).optMaxExclusive(1.0)
        .optDoc("Decay of an exponential moving average of the model's tensors kept beside them (0.999 is common): "
            + "after every optimizer step ema = decay * ema + (1 - decay) * tensor, the job's first step copying the "
            + "model, as torch.optim.swa_utils.AveragedModel(model, avg_fn=lambda e, p, n: decay * e + (1 - decay) * "
            + "p, use_buffers=True) and timm's ModelEmaV2: parameters and BatchNorm statistics alike, counters "
            + "copied. Each worker averages its own steps and the averages are combined by rows with the model. "
            + "Every checkpoint holds it as ema.safetensors (the model's tensor names); held-out metrics, "
            + "checkpoint.best_metric, early stopping, evaluate, predict and export use it, as timm validates its "
            + "EMA model (--weights trained takes the trained weights). 0 = none.").build());
  }
}
