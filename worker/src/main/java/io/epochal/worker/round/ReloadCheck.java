package io.epochal.worker.round;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.model.EngineSettings;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelCache;
import io.epochal.worker.model.StateOutsideStateDictException;
import io.epochal.worker.probe.Probe;
import io.epochal.worker.probe.ProbeMismatchException;
import io.epochal.worker.probe.ProbeRecord;
import io.epochal.worker.state.TensorConversion;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;

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
    try (EpochalModel fresh = cache.buildFresh(config.modelName(), config.modelVersion(), config.modelParams(),
        device)) {
      fresh.loadStateDict(state);
      ProbeRecord expected = Probe.record(fresh);
      Probe.check(reused, expected);
      Tensor want = trainingOutput(fresh, expected.input());
      Tensor got = trainingOutput(reused, expected.input());
      reused.loadStateDict(state);
      compareTraining(reused, want, got);
    } catch (ProbeMismatchException e) {
      throw new StateOutsideStateDictException(reused.describe(), false, e.maxAbsDifference(),
          e.firstDifferingIndex());
    }
    cache.reloadChecked(config.modelName(), config.modelVersion(), config.modelParams(), device);
  }

  /** {@code model}'s training-mode output on {@code input}, dropout drawn from the probe's seed, on one thread. */
  private static Tensor trainingOutput(EpochalModel model, Tensor input) {
    return EngineSettings.withThreads(Probe.THREADS, () -> {
      try (NDManager sub = model.manager().newSubManager()) {
        NDArray out = model.forward(TensorConversion.toArray(sub, input), true, new SplittableRandom(Probe.SEED));
        return TensorConversion.toTensor(out);
      }
    });
  }

  private static void compareTraining(EpochalModel model, Tensor want, Tensor got) {
    if (!Arrays.equals(want.shape(), got.shape())) {
      throw new StateOutsideStateDictException(model.describe(), true, Double.NaN, -1);
    }
    FloatBuffer w = want.asFloatBuffer();
    FloatBuffer g = got.asFloatBuffer();
    long first = -1;
    double maxDiff = 0;
    for (int i = 0; i < w.remaining(); i++) {
      if (Float.floatToRawIntBits(w.get(i)) != Float.floatToRawIntBits(g.get(i))) {
        first = first < 0 ? i : first;
        maxDiff = Math.max(maxDiff, Math.abs((double) w.get(i) - g.get(i)));
      }
    }
    if (first >= 0) {
      throw new StateOutsideStateDictException(model.describe(), true, maxDiff, first);
    }
  }
}
