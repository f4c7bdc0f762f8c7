package io.epochal.worker.round;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Gradient recording for the PyTorch engine, per thread.
 *
 * <p>DJL's {@code PtGradientCollector} allows only one collector per JVM at a time, but a Spark
 * executor runs several tasks in one JVM. PyTorch's grad mode is thread-local, so Epochal switches
 * it for the calling thread only and runs backward directly; gradients live on the parameters and
 * are zeroed here after each step.
 */
final class Autograd implements AutoCloseable {

  private final boolean previous;

  private Autograd() {
    previous = JniUtils.isGradMode();
    JniUtils.setGradMode(true);
  }

  /** Records gradients on this thread until {@link #close()}. */
  static Autograd record() {
    return new Autograd();
  }

  /** Back-propagates a scalar {@code loss}, accumulating into the parameters' gradients. */
  void backward(NDArray loss) {
    try (NDArray ones = loss.onesLike()) {
      JniUtils.backward((PtNDArray) loss, (PtNDArray) ones, false, false);
    }
  }

  /** Sets the gradient of {@code parameter} to zero, in place. */
  static void zeroGrad(NDArray parameter) {
    JniUtils.zeroGrad((PtNDArray) parameter);
  }

  @Override
  public void close() {
    JniUtils.setGradMode(previous);
  }
}
