package io.epochal.worker.probe;

import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.epochal.tensor.Tensor;
import io.epochal.worker.model.EngineSettings;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.state.TensorConversion;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Records and checks a model's probe: its evaluation-mode output on a fixed input.
 *
 * <p>The input is {@link #BATCH} samples of the model's input shape, uniform on [-1, 1) from
 * {@code new SplittableRandom(}{@link #SEED}{@code )}, so it depends only on the shape. A checkpoint
 * stores the record; after a reload, {@link #check} proves the restored model computes what the
 * saved one did. Running the probe changes no model state (evaluation mode).
 */
public final class Probe {

  /** The seed of the probe input. */
  public static final long SEED = 0x5EED_0F_9120BEL;
  /** Samples in the probe input. */
  public static final int BATCH = 4;
  /** Intra-op threads the probe is computed with, on every thread and machine. */
  public static final int THREADS = 1;

  private Probe() {}

  /** The fixed probe input for a per-sample shape: {@code [BATCH, inputShape...]}, F32. */
  public static Tensor input(long[] inputShape) {
    long[] shape = new long[inputShape.length + 1];
    shape[0] = BATCH;
    System.arraycopy(inputShape, 0, shape, 1, inputShape.length);
    float[] values = new float[Math.toIntExact(Tensor.numel(shape))];
    SplittableRandom rng = new SplittableRandom(SEED);
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) (rng.nextDouble() * 2.0 - 1.0);
    }
    return Tensor.ofFloats(shape, values);
  }

  /**
   * The model's evaluation-mode output on {@code input}, as a tensor, computed with {@link #THREADS}
   * intra-op thread whatever thread calls it: a checkpoint's probe is recorded on the thread that
   * commits it and checked on whichever thread reloads it, and a matrix product split over another
   * number of threads may round differently.
   */
  public static Tensor run(EpochalModel model, Tensor input) {
    return run(model, input, false);
  }

  /**
   * The model's training-mode output on {@code input}, dropout drawn from {@code new
   * SplittableRandom(}{@link #SEED}{@code )}, on {@link #THREADS} intra-op thread: what two models
   * with the same state must agree on in training too. A training-mode pass may move running
   * statistics: reload the state after it.
   */
  public static Tensor runTraining(EpochalModel model, Tensor input) {
    return run(model, input, true);
  }

  private static Tensor run(EpochalModel model, Tensor input, boolean training) {
    checkNotNull(model, "model");
    checkNotNull(input, "input");
    return EngineSettings.withThreads(THREADS, () -> {
      try (NDManager sub = model.manager().newSubManager()) {
        NDArray in = TensorConversion.toArray(sub, input);
        NDArray out = model.forward(in, training, training ? new SplittableRandom(SEED) : null);
        return TensorConversion.toTensor(out);
      }
    });
  }

  /** The model's probe now: the fixed input of its shape and its output on it. */
  public static ProbeRecord record(EpochalModel model) {
    Tensor in = input(model.inputShape());
    return ProbeRecord.of(in, run(model, in));
  }

  /**
   * Checks bit for bit that {@code model} reproduces {@code record}.
   *
   * @throws ProbeMismatchException if any output bit differs
   */
  public static void check(EpochalModel model, ProbeRecord record) throws ProbeMismatchException {
    check(model, record, Tolerance.exact());
  }

  /**
   * Checks that {@code model} reproduces {@code record} within {@code tolerance}.
   *
   * @throws ProbeMismatchException saying the checkpoint does not reproduce the model, with the
   *     largest absolute difference, the first differing index and the usual cause
   */
  public static void check(EpochalModel model, ProbeRecord record, Tolerance tolerance)
      throws ProbeMismatchException {
    checkNotNull(record, "record");
    checkNotNull(tolerance, "tolerance");
    compare(model, record.output(), run(model, record.input()), tolerance);
  }

  /**
   * Checks that {@code actual}, {@code model}'s output now, reproduces {@code expected} within
   * {@code tolerance}.
   *
   * @throws ProbeMismatchException as {@link #check(EpochalModel, ProbeRecord, Tolerance)}
   */
  public static void compare(EpochalModel model, Tensor expected, Tensor actual, Tolerance tolerance)
      throws ProbeMismatchException {
    if (!Arrays.equals(actual.shape(), expected.shape())) {
      throw new ProbeMismatchException(String.format(Locale.ROOT,
          "the checkpoint does not reproduce model %s: the probe output has shape %s but %s was recorded;"
              + " the checkpoint was written by a model with different hyperparameters or structure",
          model.describe(), Arrays.toString(actual.shape()), Arrays.toString(expected.shape())), Double.NaN, -1);
    }
    FloatBuffer want = expected.asFloatBuffer();
    FloatBuffer got = actual.asFloatBuffer();
    long first = -1;
    double maxDiff = 0;
    for (int i = 0; i < want.remaining(); i++) {
      float w = want.get(i);
      float g = got.get(i);
      double d = Math.abs((double) w - g);
      maxDiff = Double.isNaN(d) || Double.isNaN(maxDiff) ? Double.NaN : Math.max(maxDiff, d);
      if (first < 0 && !tolerance.accepts(w, g)) {
        first = i;
      }
    }
    if (first >= 0) {
      int f = (int) first;
      throw new ProbeMismatchException(String.format(Locale.ROOT,
          "the checkpoint does not reproduce model %s: its probe output differs from the one recorded at"
              + " save time (tolerance: %s): max abs difference %s, first differing index %d (recorded %s,"
              + " now %s) of %d. Its causes: the checkpoint's tensors were changed after it was written, with"
              + " the digests in its manifest rewritten to match (the store refuses any other change to a file),"
              + " so restore it from a copy or continue from an earlier epoch; or, for a model of your own, a"
              + " tensor the model computes with that is not registered as a parameter or buffer, so it is"
              + " missing from the state dict: register it (ModuleState.addParameter / addBuffer). If the engine"
              + " or the CPU differ from the saving run's, the last bits may differ: check where it was saved"
              + " (its manifest lists the versions)",
          model.describe(), tolerance, maxDiff, first, want.get(f), got.get(f), want.remaining()),
          maxDiff, first);
    }
  }
}
