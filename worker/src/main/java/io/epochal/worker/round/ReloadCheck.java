package io.epochal.worker.round;

import ai.djl.Device;
import io.epochal.tensor.StateDict;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelCache;
import io.epochal.worker.model.StateOutsideStateDictException;
import io.epochal.worker.probe.Probe;
import io.epochal.worker.probe.ProbeMismatchException;
import io.epochal.worker.probe.ProbeRecord;

/**
 * Proves, the first time a thread reuses its cached model for a round, that a model that has
 * trained reloads like a freshly built one: loaded with the same global state, the two compute the
 * same probe output bit for bit (on this thread, one intra-op thread, one engine). A model that
 * keeps a value it changes while training outside its state dict fails here, in the round after
 * its first, instead of training on with a value no checkpoint holds; the driver's own check,
 * which compares two freshly built models, cannot see such a value. One more model built per
 * executor thread and model, and two probe passes; nothing after that.
 */
final class ReloadCheck {

  private ReloadCheck() {}

  /**
   * Checks {@code reused}, the cached model just loaded with {@code state}, against a fresh model
   * loaded with it, and records the result in {@code cache} when they agree.
   *
   * @throws StateOutsideStateDictException naming the model and the largest difference when they do
   *     not; the model stays unproven, so a retry of the round fails the same way
   */
  static void verify(ModelCache cache, TrainingConfig config, Device device, EpochalModel reused, StateDict state) {
    try (EpochalModel fresh = cache.buildFresh(config.modelName(), config.modelVersion(), config.modelParams(),
        device)) {
      fresh.loadStateDict(state);
      ProbeRecord expected = Probe.record(fresh);
      Probe.check(reused, expected);
    } catch (ProbeMismatchException e) {
      throw new StateOutsideStateDictException(reused.describe(), e.maxAbsDifference(), e.firstDifferingIndex());
    }
    cache.reloadChecked(config.modelName(), config.modelVersion(), config.modelParams(), device);
  }
}
