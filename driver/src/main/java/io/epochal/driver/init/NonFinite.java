package io.epochal.driver.init;

import io.epochal.tensor.DType;
import io.epochal.tensor.Tensor;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * The first value of starting weights that is not finite: a NaN or an infinity in a weight would
 * make the first round fail its finiteness check on every worker, after the job was written.
 */
final class NonFinite {

  private NonFinite() {}

  /** {@code "NaN at element 12"} for the first non-finite element of a floating-point tensor; else empty. */
  static Optional<String> find(Tensor t) {
    if (!TensorCast.isFloat(t.dtype())) {
      return Optional.empty();
    }
    ByteBuffer data = t.data();
    long n = t.numel();
    for (long i = 0; i < n; i++) {
      double v = TensorCast.floatAt(data, t.dtype(), i);
      if (!Double.isFinite(v)) {
        return Optional.of(v + " at element " + i + (t.dtype() == DType.F32 || t.dtype() == DType.F64 ? ""
            : " (of " + t.dtype() + ")") + ": weights must be finite");
      }
    }
    return Optional.empty();
  }
}
