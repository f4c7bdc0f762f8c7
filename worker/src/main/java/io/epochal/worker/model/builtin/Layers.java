package io.epochal.worker.model.builtin;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.epochal.worker.model.ModuleState;
import io.epochal.worker.model.ParameterInit;

/** The torch.nn layers the built-in models are made of, registered under PyTorch names. */
final class Layers {

  private Layers() {}

  /** {@code nn.Linear(in, out)}: {@code prefix.weight} [out, in], {@code prefix.bias} [out]. */
  static final class LinearLayer {
    private final Parameter weight;
    private final Parameter bias;

    LinearLayer(ModuleState state, String prefix, long in, long out) {
      weight = state.addParameter(prefix + ".weight", ParameterInit.torchDefault(in), out, in);
      bias = state.addParameter(prefix + ".bias", ParameterInit.torchDefault(in), out);
    }

    NDArray apply(NDArray x) {
      return Linear.linear(x, weight.getArray(), bias.getArray()).singletonOrThrow();
    }
  }

  /**
   * {@code nn.Conv2d(in, out, kernel_size=k, padding=k/2)}: {@code prefix.weight} [out, in, k, k],
   * {@code prefix.bias} [out].
   */
  static final class Conv2dLayer {
    private final Parameter weight;
    private final Parameter bias;
    private final Shape padding;

    Conv2dLayer(ModuleState state, String prefix, long in, long out, int kernel) {
      long fanIn = in * kernel * kernel;
      weight = state.addParameter(prefix + ".weight", ParameterInit.torchDefault(fanIn), out, in, kernel, kernel);
      bias = state.addParameter(prefix + ".bias", ParameterInit.torchDefault(fanIn), out);
      padding = new Shape(kernel / 2, kernel / 2);
    }

    NDArray apply(NDArray x) {
      return Conv2d.conv2d(x, weight.getArray(), bias.getArray(), new Shape(1, 1), padding, new Shape(1, 1), 1)
          .singletonOrThrow();
    }
  }

  /**
   * {@code nn.BatchNorm2d(channels)} with PyTorch's defaults (eps 1e-5, momentum 0.1, affine, track
   * running stats): {@code prefix.weight}, {@code .bias}, {@code .running_mean}, {@code .running_var}
   * [channels] and {@code .num_batches_tracked} (I64 0-d).
   *
   * <p>Calls the engine's {@code batch_norm} directly with PyTorch's momentum convention
   * ({@code running = (1 - momentum) * running + momentum * batch}, unbiased batch variance); DJL's
   * own {@code BatchNorm} block uses the opposite convention ({@code momentum} weights the old value).
   */
  static final class BatchNorm2dLayer {
    static final double MOMENTUM = 0.1;
    static final double EPS = 1e-5;

    private final Parameter weight;
    private final Parameter bias;
    private final NDArray runningMean;
    private final NDArray runningVar;
    private final ModuleState.Counter batches;

    BatchNorm2dLayer(ModuleState state, String prefix, long channels) {
      weight = state.addParameter(prefix + ".weight", ParameterInit.constant(1f), channels);
      bias = state.addParameter(prefix + ".bias", ParameterInit.constant(0f), channels);
      runningMean = state.addBuffer(prefix + ".running_mean", ParameterInit.constant(0f), channels);
      runningVar = state.addBuffer(prefix + ".running_var", ParameterInit.constant(1f), channels);
      batches = state.addCounter(prefix + ".num_batches_tracked");
    }

    /** Normalizes {@code x} [N, C, H, W]; in training also updates the running stats and count. */
    NDArray apply(NDArray x, boolean training) {
      NDArray y = JniUtils.batchNorm((PtNDArray) x, (PtNDArray) runningMean, (PtNDArray) runningVar,
          (PtNDArray) weight.getArray(), (PtNDArray) bias.getArray(), training, MOMENTUM, EPS);
      if (training) {
        batches.increment();
      }
      return y;
    }
  }
}
