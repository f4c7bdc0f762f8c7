package io.epochal.driver.train;

import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.EmaKeys;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.tensor.StateDict;
import io.epochal.worker.round.LocalRound;
import java.util.Locale;

/**
 * The weights a job's model is judged and used by: the moving average of its tensors when the job keeps one
 * ({@code train.ema_decay}), as timm validates and saves its EMA model, else the trained tensors. Held-out
 * evaluation, {@code evaluate}, {@code predict} and {@code export} take these unless {@code --weights} names the
 * other; training and its resume continue from the trained tensors (and the average) alike.
 */
public final class ServedWeights {

  /** The option that chooses the weights of {@code evaluate}, {@code predict} and {@code export}. */
  public static final String OPTION = "--weights";
  /** {@link #OPTION}'s value for the trained weights, {@code model.safetensors}. */
  public static final String TRAINED = "trained";
  /** {@link #OPTION}'s value for the moving average, {@code ema.safetensors}. */
  public static final String AVERAGE = "ema";

  private ServedWeights() {}

  /** The served weights of a combined state (model, {@code optimizer.} and {@code ema.} tensors). */
  public static StateDict of(StateDict combined) {
    return LocalRound.averageOrModel(combined);
  }

  /** The served weights of checkpoint {@code c}: its {@code ema.safetensors} if it has one, else its model. */
  public static StateDict of(LoadedCheckpoint c) {
    return of(c, null);
  }

  /**
   * The weights of checkpoint {@code c} that {@code choice} names: {@link #TRAINED}, {@link #AVERAGE}, or null for
   * the served ones.
   *
   * @throws ConfigException naming {@link #OPTION} when {@code choice} is the average and {@code c} has none
   */
  public static StateDict of(LoadedCheckpoint c, String choice) {
    return isAverage(c, choice) ? c.ema() : c.model();
  }

  /**
   * Whether {@code choice} names {@code c}'s moving average: {@link #AVERAGE}, or null for a checkpoint that has one.
   *
   * @throws ConfigException naming {@link #OPTION} when {@code choice} is the average and {@code c} has none
   */
  public static boolean isAverage(LoadedCheckpoint c, String choice) {
    if (AVERAGE.equals(choice) && c.ema().isEmpty()) {
      throw new ConfigException(OPTION, OPTION + " " + AVERAGE + ": checkpoint " + JobSpecResolver.locationText(
          c.path()) + " holds no moving average (its job has no " + EmaKeys.EMA_DECAY + "); leave " + OPTION
          + " out for its trained weights");
    }
    return !TRAINED.equals(choice) && !c.ema().isEmpty();
  }

  /** What the weights {@code choice} names of {@code c} are, for messages. */
  public static String describe(LoadedCheckpoint c, String choice) {
    return isAverage(c, choice) ? "the moving average (ema.safetensors)" : "the trained weights";
  }

  /**
   * {@code value} of {@link #OPTION} checked: null (not given) or {@link #TRAINED} or {@link #AVERAGE}.
   *
   * @throws ConfigException naming the option and its values otherwise
   */
  public static String choice(String value) {
    if (value == null) {
      return null;
    }
    String v = value.trim().toLowerCase(Locale.ROOT);
    if (!v.equals(TRAINED) && !v.equals(AVERAGE)) {
      throw new ConfigException(OPTION, OPTION + " '" + value + "' is not supported; use " + TRAINED + " (model"
          + ".safetensors) or " + AVERAGE + " (ema.safetensors, the moving average of a job with "
          + EmaKeys.EMA_DECAY + "); without it, the average when the checkpoint has one");
    }
    return v;
  }
}
