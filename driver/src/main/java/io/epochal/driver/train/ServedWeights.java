package io.epochal.driver.train;

import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.tensor.StateDict;
import io.epochal.worker.ema.ModelEma;
import io.epochal.worker.round.LocalRound;

/**
 * The weights a job's model is judged and used by: the moving average of its tensors when the job keeps one
 * ({@code train.ema_decay}), as timm validates and saves its EMA model, else the trained tensors. Held-out
 * evaluation, {@code evaluate}, {@code predict} and {@code export} take these; training and its resume continue from
 * the trained tensors (and the average) alike.
 */
public final class ServedWeights {

  private ServedWeights() {}

  /** The served weights of a combined state (model, {@code optimizer.} and {@code ema.} tensors). */
  public static StateDict of(StateDict combined) {
    return ModelEma.isPresent(combined) ? ModelEma.part(combined) : LocalRound.modelPart(combined);
  }

  /** The served weights of checkpoint {@code c}: its {@code ema.safetensors} if it has one, else its model. */
  public static StateDict of(LoadedCheckpoint c) {
    return c.ema().isEmpty() ? c.model() : c.ema();
  }

  /** What the served weights of {@code c} are, for messages: "the moving average" or "the trained weights". */
  public static String describe(LoadedCheckpoint c) {
    return c.ema().isEmpty() ? "the trained weights" : "the moving average (ema.safetensors)";
  }
}
