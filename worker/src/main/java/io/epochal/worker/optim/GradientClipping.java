package io.epochal.worker.optim;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * Gradient clipping by the total L2 norm, the equation of {@code
 * torch.nn.utils.clip_grad_norm_(parameters, max_norm)} (norm type 2, non-finite norms not
 * refused): the norm of every gradient, the norm of those norms as the total, the coefficient
 * {@code clamp(reciprocal(total + 1e-6) * max_norm, max=1)} (torch computes {@code max_norm /
 * tensor} as the reciprocal times {@code max_norm}), and every gradient multiplied by it in place,
 * all in float32 on the gradients' device. A total below {@code max_norm} gives a coefficient of
 * exactly 1, which leaves the gradients as they are. A total that is not finite is not refused
 * (torch's {@code error_if_nonfinite} is off by default): a NaN total makes every gradient NaN, an
 * infinite one zeroes the finite values and makes the infinite ones NaN; either way a weight the
 * step updates becomes NaN, and the round's non-finite check fails the round, naming it.
 *
 * <p>Clipping by value ({@link #clipByValue}) is {@code torch.nn.utils.clip_grad_value_(parameters,
 * clip_value)}: every gradient element above {@code clip_value} set to it, every one below {@code
 * -clip_value} set to that (a NaN stays NaN, as {@code clamp_} keeps it).
 *
 * <p>Run between backward and {@link Optimizer#step}, as torch's clipping runs between {@code
 * loss.backward()} and {@code optimizer.step()}.
 */
public final class GradientClipping {

  /** Added to the total norm before the coefficient is taken, as torch adds it. */
  static final float EPSILON = 1e-6f;

  private GradientClipping() {}

  /**
   * Scales the gradients of {@code params} in place so that their total L2 norm is at most {@code
   * maxNorm} (about: the coefficient divides by the norm plus 1e-6). Parameters without a gradient
   * take no part, as torch skips a parameter whose {@code grad} is {@code None}.
   *
   * @param params the step's parameters and their gradients (float32)
   * @param maxNorm the largest total norm, positive and finite
   * @param scratch the manager the intermediate norms are allocated in and closed with
   * @return the total norm before clipping (what torch's {@code clip_grad_norm_} returns), read from
   *     the device; 0 when no parameter has a gradient
   */
  public static float clipByTotalNorm(List<ParamSlot> params, double maxNorm, NDManager scratch) {
    checkNotNull(params, "params");
    checkNotNull(scratch, "scratch");
    checkArgument(maxNorm > 0 && Double.isFinite(maxNorm),
        "the largest gradient norm (train.clip_grad_norm) must be positive and finite, got %s", maxNorm);
    NDList norms = new NDList();
    for (ParamSlot p : params) {
      if (p.hasGrad()) {
        norms.add(owned(p.grad().norm(), scratch));
      }
    }
    if (norms.isEmpty()) {
      return 0f;
    }
    try (NoGradScope ignored = NoGradScope.enter(norms.get(0))) {
      NDArray total = owned(owned(NDArrays.stack(norms), scratch).norm(), scratch);
      NDArray sum = owned(total.add(EPSILON), scratch);
      NDArray reciprocal = owned(sum.getNDArrayInternal().rdiv(1f), scratch); // 1 / sum, as torch's reciprocal
      NDArray coefficient = owned(owned(reciprocal.mul((float) maxNorm), scratch).minimum(1f), scratch);
      for (ParamSlot p : params) {
        if (p.hasGrad()) {
          p.grad().muli(coefficient);
        }
      }
      return io.epochal.worker.state.TensorConversion.toFloats(total)[0]; // a full heap: OutOfMemoryError, no crash
    }
  }

  /**
   * Clamps every gradient element of {@code params} in place to {@code [-clipValue, clipValue]}, the
   * bound taken as a float32 as torch takes it for a float32 gradient. Parameters without a gradient
   * take no part.
   *
   * @param clipValue the largest magnitude of a gradient element, positive and finite
   * @param scratch the manager the comparison masks are allocated in and closed with
   */
  public static void clipByValue(List<ParamSlot> params, double clipValue, NDManager scratch) {
    checkNotNull(params, "params");
    checkNotNull(scratch, "scratch");
    checkArgument(clipValue > 0 && Double.isFinite(clipValue),
        "the largest gradient value (train.clip_grad_value) must be positive and finite, got %s", clipValue);
    float bound = (float) clipValue;
    for (ParamSlot p : params) {
      if (p.hasGrad()) {
        NDArray g = p.grad();
        try (NoGradScope ignored = NoGradScope.enter(g)) {
          g.set(owned(g.gt(bound), scratch), bound);
          g.set(owned(g.lt(-bound), scratch), -bound);
        }
      }
    }
  }

  /**
   * Whether a total norm of {@code norm} is scaled down by clipping at {@code maxNorm}: whether the
   * coefficient {@link #clipByTotalNorm} multiplies by, computed in the same float32 operations, is
   * below 1.
   */
  public static boolean scales(float norm, double maxNorm) {
    return (1f / (norm + EPSILON)) * (float) maxNorm < 1f;
  }

  private static NDArray owned(NDArray array, NDManager scratch) {
    array.attach(scratch);
    return array;
  }
}
