package io.epochal.worker.model;

import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.pytorch.jni.JniUtils;
import java.util.function.Supplier;

/**
 * PyTorch's {@code torch.no_grad()} for the calling thread: autograd recording off while an action
 * runs, the thread's previous mode restored after it (grad mode is thread-local in PyTorch, and on
 * by default on every thread).
 *
 * <p>Inference wants it: with recording on, a forward pass through weights that require gradients
 * keeps every intermediate activation alive for a backward that never comes, until its output is
 * closed. In-place writes into leaf weights that require gradients (loading a state, an optimizer
 * step) need it too: PyTorch refuses them while recording.
 */
public final class NoGrad {

  private NoGrad() {}

  /** {@code action}'s result, computed with autograd recording off on this thread. */
  public static <T> T call(Supplier<T> action) {
    checkNotNull(action, "action");
    boolean was = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      return action.get();
    } finally {
      JniUtils.setGradMode(was);
    }
  }

  /** Runs {@code action} with autograd recording off on this thread. */
  public static void run(Runnable action) {
    checkNotNull(action, "action");
    call(() -> {
      action.run();
      return null;
    });
  }
}
