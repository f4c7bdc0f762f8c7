package io.epochal.worker.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GradientClippingTest {

  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  /** A parameter with gradient {@code grad} of {@code shape}. */
  private ParamSlot slot(String name, float[] grad, Shape shape) {
    return ParamSlot.of(name, manager.zeros(shape), grad == null ? null : manager.create(grad, shape));
  }

  /** Gradients [3, 4] (norm 5) and [[8, 8], [4, 0]] (norm 12): their total norm is exactly 13. */
  private List<ParamSlot> thirteen() {
    return List.of(slot("a", new float[] {3, 4}, new Shape(2)),
        slot("b", new float[] {8, 8, 4, 0}, new Shape(2, 2)));
  }

  /** torch's coefficient, in float32: clamp(reciprocal(total + 1e-6) * max_norm, max=1). */
  private static float torchCoefficient(float total, float maxNorm) {
    return Math.min((1f / (total + 1e-6f)) * maxNorm, 1f);
  }

  @Test
  void aTotalNormAboveTheLimitScalesEveryGradientByTorchsCoefficientBitForBit() {
    List<ParamSlot> params = thirteen();
    try (NDManager scratch = manager.newSubManager()) {
      assertThat(GradientClipping.clipByTotalNorm(params, 6.5, scratch)).as("the norm before clipping").isEqualTo(13f);
    }
    assertThat(GradientClipping.scales(13f, 6.5)).isTrue();
    float c = torchCoefficient(13f, 6.5f);
    assertThat(c).isLessThan(0.5f).isGreaterThan(0.4999f);
    assertThat(params.get(0).grad().toFloatArray()).containsExactly(3 * c, 4 * c);
    assertThat(params.get(1).grad().toFloatArray()).containsExactly(8 * c, 8 * c, 4 * c, 0f);
    // what torch 1.13's clip_grad_norm_(max_norm=6.5) left in the same gradients (docs/torch_equations.py)
    assertThat(params.get(0).grad().toFloatArray()).containsExactly(1.4999998807907104f, 1.9999998807907104f);
    assertThat(params.get(1).grad().toFloatArray()).containsExactly(3.999999761581421f, 3.999999761581421f,
        1.9999998807907104f, 0f);
    double total = 0;
    for (ParamSlot p : params) {
      for (float g : p.grad().toFloatArray()) {
        total += (double) g * g;
      }
    }
    assertThat(Math.sqrt(total)).as("the clipped gradients' total norm").isCloseTo(6.5, within(1e-5));
  }

  @Test
  void clippingByValueClampsEveryElementAsTorchsClipGradValueBitForBit() {
    List<ParamSlot> params = List.of(slot("a", new float[] {3, -4, 0.1f, Float.NaN}, new Shape(4)),
        slot("b", new float[] {-0.25f, 0.5f, 2, -0.3f}, new Shape(2, 2)), slot("none", null, new Shape(1)));
    try (NDManager scratch = manager.newSubManager()) {
      GradientClipping.clipByValue(params, 0.3, scratch);
    }
    // what torch 1.13's clip_grad_value_(clip_value=0.3) left in the same gradients (docs/torch_equations.py)
    assertThat(params.get(0).grad().toFloatArray()).containsExactly(0.30000001192092896f, -0.30000001192092896f,
        0.10000000149011612f, Float.NaN);
    assertThat(params.get(1).grad().toFloatArray()).containsExactly(-0.25f, 0.30000001192092896f,
        0.30000001192092896f, -0.30000001192092896f);
    assertThatThrownBy(() -> GradientClipping.clipByValue(params, 0, manager))
        .hasMessageContaining("train.clip_grad_value").hasMessageContaining("got 0.0");
  }

  @Test
  void aTotalNormBelowTheLimitLeavesTheGradientsBitForBit() {
    List<ParamSlot> params = thirteen();
    try (NDManager scratch = manager.newSubManager()) {
      assertThat(GradientClipping.clipByTotalNorm(params, 13.5, scratch)).isEqualTo(13f);
    }
    assertThat(GradientClipping.scales(13f, 13.5)).isFalse();
    // a limit equal to the norm: 13 / (13 + 1e-6) is below 1 in float32, so torch scales by it
    assertThat(GradientClipping.scales(13f, 13)).isEqualTo(torchCoefficient(13f, 13f) < 1f);
    assertThat(params.get(0).grad().toFloatArray()).containsExactly(3f, 4f);
    assertThat(params.get(1).grad().toFloatArray()).containsExactly(8f, 8f, 4f, 0f);
  }

  @Test
  void aParameterWithoutAGradientTakesNoPartInTheNorm() {
    List<ParamSlot> params = List.of(slot("a", new float[] {3, 4}, new Shape(2)), slot("frozen", null, new Shape(3)),
        slot("b", new float[] {12}, new Shape(1)));
    try (NDManager scratch = manager.newSubManager()) {
      GradientClipping.clipByTotalNorm(params, 1, scratch);
    }
    float c = torchCoefficient(13f, 1f);
    assertThat(params.get(0).grad().toFloatArray()).containsExactly(3 * c, 4 * c);
    assertThat(params.get(2).grad().toFloatArray()).containsExactly(12 * c);
    assertThat(params.get(1).weight().toFloatArray()).containsExactly(0f, 0f, 0f);
  }

  @Test
  void theIntermediateArraysAreFreedWithTheScratchManagerNotLeftWithTheGradients() {
    List<ParamSlot> params = thirteen();
    NDManager scratch = manager.newSubManager();
    int before = manager.getManagedArrays().size();
    GradientClipping.clipByTotalNorm(params, 1, scratch);
    assertThat(scratch.getManagedArrays()).as("norms, total and coefficient").hasSizeGreaterThanOrEqualTo(5);
    scratch.close();
    assertThat(manager.getManagedArrays()).hasSize(before);
    assertThat(params.get(0).grad().toFloatArray()).hasSize(2);
  }

  @Test
  void aNonFiniteGradientIsNotHiddenByClipping() {
    List<ParamSlot> params = List.of(slot("a", new float[] {Float.POSITIVE_INFINITY, 1}, new Shape(2)),
        slot("b", new float[] {Float.NaN}, new Shape(1)));
    try (NDManager scratch = manager.newSubManager()) {
      GradientClipping.clipByTotalNorm(params, 1, scratch);
    }
    assertThat(params.get(0).grad().toFloatArray()).as("as torch: NaN norm, NaN coefficient").containsOnly(Float.NaN);
    assertThat(params.get(1).grad().toFloatArray()).containsOnly(Float.NaN);
  }

  @Test
  void aLimitThatIsNotPositiveAndFiniteIsRefusedNamingTheKey() {
    for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
      assertThatThrownBy(() -> GradientClipping.clipByTotalNorm(thirteen(), bad, manager))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("train.clip_grad_norm")
          .hasMessageContaining(String.valueOf(bad));
    }
  }
}
