package io.epochal.worker.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Switches the PyTorch engine's autograd recording off for the duration of an optimizer step (as
 * torch's {@code optimizer.step()} does), so that in-place updates of leaf weights that require a
 * gradient are allowed even inside a {@code GradientCollector}. Restores the previous mode. Grad
 * mode is thread-local in PyTorch, so this affects only the calling thread.
 */
final class NoGradScope implements AutoCloseable {

  private final boolean restore;

  private NoGradScope(boolean restore) {
    this.restore = restore;
  }

  /** Enters no-grad mode if {@code sample} is a PyTorch array and recording is on. */
  static NoGradScope enter(NDArray sample) {
    if (sample instanceof PtNDArray && JniUtils.isGradMode()) {
      JniUtils.setGradMode(false);
      return new NoGradScope(true);
    }
    return new NoGradScope(false);
  }

  @Override
  public void close() {
    if (restore) {
      JniUtils.setGradMode(true);
    }
  }
}
