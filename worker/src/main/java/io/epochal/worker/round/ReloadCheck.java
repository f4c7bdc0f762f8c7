package io.epochal.worker.round;

import ai.djl.Device;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelCache;
import io.epochal.worker.model.StateOutsideStateDictException;
import io.epochal.worker.probe.Probe;
import io.epochal.worker.probe.ProbeMismatchException;
import io.epochal.worker.probe.ProbeRecord;
import io.epochal.worker.probe.Tolerance;

/**
 * Proves, the first time a thread reuses its cached model for a round, that a model that has
 * trained reloads like a freshly built one: loaded with the same global state, the two compute the
 * same probe output bit for bit, and the same training-mode output on the probe input with the
 * same dropout draws (on this thread, one intra-op thread, one engine). A model that keeps a value
 * it changes while training outside its state dict fails here, in the round after its first,
 * instead of training on with a value no checkpoint holds (and to weights that depend on which
 * executor thread ran which worker's rounds); the driver's own check, which compares two freshly
 * built models, cannot see such a value. One more model built per executor thread and model, and
 * four forward passes; nothing after that.
 */
final class ReloadCheck {

  private ReloadCheck() {}

  /**
   * Checks {@code reused}, the cached model just loaded with {@code state}, against a fresh model
   * loaded with it, leaves {@code reused} loaded with {@code state} (a training-mode pass moves
   * running statistics), and records the result in {@code cache} when they agree.
   *
   * @throws StateOutsideStateDictException naming the model and the largest difference when they do
   *     not; the model stays unproven, so a retry of the round fails the same way
   */
  static void verify(ModelCache cache, TrainingConfig config, Device device, EpochalModel reused, StateDict state) {
    boolean training = false;
    try (EpochalModel fresh = cache.buildFresh(config.modelName(), config.modelVersion(), config.modelParams(),
        device)) {
      fresh.loadStateDict(state);
      ProbeRecord expected = Probe.record(fresh);
      Probe.check(reused, expected);
      training = true;
      Tensor want = Probe.runTraining(fresh, expected.input());
      Tensor got = Probe.runTraining(reused, expected.input());
      reused.loadStateDict(state);
      Probe.compare(reused, want, got, Tolerance.exact());
    } catch (ProbeMismatchException e) {
      throw new StateOutsideStateDictException(reused.describe(), training, e.maxAbsDifference(),
          e.firstDifferingIndex());
    }
    cache.reloadChecked(reused);
  }
}
