package io.epochal.worker.model;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.SplittableRandom;

/**
 * How a registered tensor gets its initial values, drawn from a Java {@link SplittableRandom} so that
 * initialisation never touches the engine's global generator. Implementations must be pure
 * functions of the generator's state.
 */
@FunctionalInterface
public interface ParameterInit {

  /** Fills {@code values} (row-major) from {@code rng}. */
  void fill(float[] values, SplittableRandom rng);

  /** Every value {@code value}, e.g. BatchNorm's weight 1 and bias 0. */
  static ParameterInit constant(float value) {
    return (values, rng) -> java.util.Arrays.fill(values, value);
  }

  /** Uniform on {@code [-bound, bound)}. */
  static ParameterInit uniform(double bound) {
    checkArgument(bound >= 0 && Double.isFinite(bound), "uniform bound must be finite and >= 0, got %s", bound);
    return (values, rng) -> {
      for (int i = 0; i < values.length; i++) {
        values[i] = (float) ((rng.nextDouble() * 2.0 - 1.0) * bound);
      }
    };
  }

  /**
   * PyTorch's default for {@code nn.Linear} and {@code nn.Conv2d} weights and biases: uniform on
   * {@code [-1/sqrt(fanIn), 1/sqrt(fanIn))} (what {@code kaiming_uniform_(a=sqrt(5))} reduces to).
   *
   * @param fanIn inputs per output: {@code in_features}, or {@code in_channels * kh * kw}
   */
  static ParameterInit torchDefault(long fanIn) {
    checkArgument(fanIn > 0, "fan-in must be > 0, got %s", fanIn);
    return uniform(1.0 / Math.sqrt(fanIn));
  }
}
