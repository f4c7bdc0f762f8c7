package io.epochal.driver.app;

import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.driver.train.EarlyStopping;
import io.epochal.params.HyperParameters;
import io.epochal.worker.schedule.ReduceOnPlateau;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Optional;

/**
 * The lines of a job's {@code status} that say how its newest checkpoint continues: where its weights
 * started, the parameters it freezes, scales the rate of or does not decay, its loss's class weights, the
 * learning rate a resume trains its next step at (with schedule {@code plateau}, its reductions and count), and the
 * early-stop count.
 */
final class ContinuationLines {

  private ContinuationLines() {}

  /**
   * Prints the lines for a job with keys {@code job} ({@code job.json}) whose newest checkpoint is {@code newest}, and
   * whose resume continues from {@code resumed} (a mid-epoch checkpoint after it, or {@code newest}): the rate is its;
   * {@code extended} when a resume raised {@code train.epochs} past {@code newest} since (an early stop there is
   * over: the job trains on).
   */
  static void print(PrintStream out, HyperParameters job, CheckpointManifest newest, CheckpointManifest resumed,
      boolean extended) {
    io.epochal.driver.config.FineTuning tuning = io.epochal.driver.config.FineTuning.of(job);
    newest.initDigest().ifPresent(d -> out.println("weights:     started from " + tuning.weights().orElse("?")
        + " (sha256 " + d + "; " + io.epochal.driver.config.FineTuning.WEIGHTS + ")"));
    if (!tuning.frozen().isEmpty()) {
      int epochs = tuning.frozenEpochs();
      String keys = io.epochal.driver.config.FineTuning.FREEZE;
      out.println("frozen:      " + String.join(", ", tuning.frozen()) + (epochs == 0 ? " (not trained; " + keys + ")"
          : " (not trained in epoch" + (epochs == 1 ? " 1" : "s 1 to " + epochs) + ", trained from epoch "
          + (epochs + 1) + " on; " + keys + ", " + io.epochal.driver.config.FineTuning.FREEZE_EPOCHS + ")"));
    }
    if (!tuning.lrScale().isEmpty()) {
      HyperParameters state = resumed.learningRateSchedule(); // the rate of the step a resume takes next
      String next = !state.contains("schedule.lr") ? "" : "; the next step's: " + scaledRates(tuning,
          state.getDouble("schedule.lr"));
      out.println("lr scales:   " + tuning.lrScale() + " (times the scheduled rate" + next + "; "
          + io.epochal.driver.config.FineTuning.LR_SCALE + ")");
    }
    if (!tuning.noWeightDecay().isEmpty()) {
      out.println("no decay:    " + String.join(", ", tuning.noWeightDecay()) + " (not decayed; "
          + io.epochal.driver.config.FineTuning.NO_WEIGHT_DECAY + ")");
    }
    String sampleWeights = io.epochal.driver.config.SampleWeights.column(job);
    if (!sampleWeights.isEmpty()) {
      out.println("rows:        weighted by column " + sampleWeights + " in the training loss ("
          + io.epochal.driver.config.SampleWeights.KEY + "; held-out rows count once each)");
    }
    String weights = io.epochal.driver.config.LossKeys.text(job);
    if (!weights.isEmpty()) {
      out.println("loss:        " + job.getString(io.epochal.driver.config.JobKeys.LOSS)
          + ", classes 0, 1, ... weighted " + weights + " (" + io.epochal.driver.config.LossKeys.CLASS_WEIGHTS + ")");
    }
    io.epochal.worker.ema.EmaSettings ema = io.epochal.driver.config.EmaKeys.settings(job);
    if (ema.kept()) {
      out.println("ema:         decay " + ema.decay() + (ema.everyNSteps() == 1 ? "" : ", updated every "
          + ema.everyNSteps() + " optimizer steps") + (ema.warmsUp() ? ", warming up (power "
          + io.epochal.driver.config.Decimals.sixDigits(ema.warmupPower()) + ", gamma "
          + io.epochal.driver.config.Decimals.sixDigits(ema.warmupGamma()) + ")" : "")
          + ", held-out metrics, evaluate, predict and export use the moving average (ema.safetensors; "
          + io.epochal.driver.config.EmaKeys.EMA_DECAY + ")");
    }
    learningRate(job, resumed.learningRateSchedule()).ifPresent(line -> out.println("next rate:   " + line));
    EarlyStopping.describe(job, newest.metrics()).map(line -> extended && line.endsWith(": stopped early")
        ? line.substring(0, line.length() - ": stopped early".length()) + ": stopped early, then train.epochs was "
        + "raised by a resume: training goes on" : line).ifPresent(line -> out.println("early stop:  " + line));
  }

  /** Each pattern of {@code train.lr_scale} with the rate its parameters step at when the schedule gives {@code lr}. */
  private static String scaledRates(io.epochal.driver.config.FineTuning tuning, double lr) {
    java.util.StringJoiner rates = new java.util.StringJoiner(", ");
    try {
      io.epochal.worker.optim.ParamGroups.parseScales(tuning.lrScale()).forEach((pattern, scale) ->
          rates.add(pattern + " " + io.epochal.driver.config.Decimals.sixDigits(lr * scale)));
    } catch (IllegalArgumentException e) {
      return "? (" + e.getMessage() + ")"; // a hand-edited job.json: status still shows the rest
    }
    return rates.toString();
  }

  /**
   * Why a job with keys {@code job} whose newest checkpoint records {@code metrics} stopped early
   * (its count of epochs without improvement, and its best), when it did; the early-stop line of
   * {@code status} without its ending.
   */
  static Optional<String> stoppedEarly(HyperParameters job, java.util.Map<String, Double> metrics) {
    String ending = ": stopped early";
    return EarlyStopping.describe(job, metrics).filter(line -> line.endsWith(ending))
        .map(line -> line.substring(0, line.length() - ending.length()));
  }

  /**
   * The rate of the next step (and the momentum, when the schedule sets it) and the schedule that gives it, from
   * checkpoint schedule state {@code state}; with schedule {@code plateau}, the reductions so far and how far the
   * count is. Empty when the state does not record the rate.
   */
  static Optional<String> learningRate(HyperParameters job, HyperParameters state) {
    if (!state.contains("schedule.lr") || !state.contains("schedule.name")) {
      return Optional.empty();
    }
    boolean perEpoch = state.contains("schedule.interval") && "epoch".equals(state.getString("schedule.interval"));
    boolean known = state.contains("schedule.step");
    String step = known ? Long.toString(state.getLong("schedule.step")) : "?";
    // stepped once per epoch: its step is the number of epochs done, and the next epoch trains at the rate
    String line = state.getDouble("schedule.lr") + (perEpoch ? " for epoch " + (known ? Long.toString(state.getLong(
        "schedule.step") + 1) : "?") + " (schedule step " + step + ", once per epoch)" : " at step " + step)
        + (state.contains("schedule.momentum") ? ", momentum "
        + state.getDouble("schedule.momentum") : "") + " (schedule " + state.getString("schedule.name");
    if (!state.contains(ReduceOnPlateau.REDUCTIONS) || !job.contains("schedule.monitor")) {
      return Optional.of(line + ")");
    }
    long reductions = state.getLong(ReduceOnPlateau.REDUCTIONS);
    long bad = state.getLong(ReduceOnPlateau.NUM_BAD_EPOCHS);
    return Optional.of(line + " on " + job.getString("schedule.monitor") + ": lowered " + reductions + " time"
        + (reductions == 1 ? "" : "s") + (state.contains(ReduceOnPlateau.BEST) ? ", best " + String.format(Locale.ROOT,
        "%.6g", state.getDouble(ReduceOnPlateau.BEST)) : "") + ", " + bad + " epoch" + (bad == 1 ? "" : "s")
        + " without improvement" + (job.contains("schedule.patience") ? " (schedule.patience = "
        + job.getLong("schedule.patience") + ")" : "") + ")");
  }
}
