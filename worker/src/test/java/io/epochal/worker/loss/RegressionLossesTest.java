package io.epochal.worker.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Losses l1, huber and smooth_l1 against the values PyTorch 1.13's {@code L1Loss}, {@code HuberLoss} and {@code
 * SmoothL1Loss} compute for the same predictions and labels (docs/torch_equations.py), loss and gradient.
 */
class RegressionLossesTest {

  private static final float[][] PREDICTIONS = {{0.5f}, {2f}, {-1f}, {3f}, {0.25f}};
  // differences 0.5, 1.5, 0, 3.5, -1: inside and beyond every delta below, exactly at delta 1, and 0
  private static final float[] LABELS = {0f, 0.5f, -1f, -0.5f, 1.25f};
  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  /** The loss's value and the gradient of the predictions. */
  private float[] lossAndGradient(Loss loss) {
    NDArray p = manager.create(PREDICTIONS);
    p.setRequiresGradient(true);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray value = loss.evaluate(p, manager.create(LABELS));
      assertThat(value.getShape()).isEqualTo(new Shape());
      float v = value.getFloat();
      gc.backward(value);
      float[] g = p.getGradient().toFloatArray();
      float[] out = new float[g.length + 1];
      out[0] = v;
      System.arraycopy(g, 0, out, 1, g.length);
      return out;
    }
  }

  @Test
  void l1IsTorchsMeanAbsoluteErrorWithItsGradientZeroWherePredictionAndLabelAgree() {
    assertThat(lossAndGradient(Losses.create("l1"))).containsExactly(1.2999999523162842f, 0.20000000298023224f,
        0.20000000298023224f, 0f, 0.20000000298023224f, -0.20000000298023224f);
  }

  @Test
  void huberIsTorchsHuberLossInsideBeyondAndAtItsDelta() {
    assertThat(lossAndGradient(Losses.create("huber"))).as("delta 1, torch's default").containsExactly(
        0.925000011920929f, 0.10000000149011612f, 0.20000000298023224f, 0f, 0.20000000298023224f,
        -0.20000000298023224f);
    assertThat(lossAndGradient(Losses.create("huber", 0, 2))).as("delta 2").containsExactly(1.350000023841858f,
        0.10000000149011612f, 0.30000001192092896f, 0f, 0.4000000059604645f, -0.20000000298023224f);
    assertThat(lossAndGradient(Losses.create("huber", 0, 0.3))).as("delta 0.3: every difference but 0 beyond it")
        .containsExactly(0.3540000021457672f, 0.06000000238418579f, 0.06000000238418579f, 0f,
            0.06000000238418579f, -0.06000000238418579f);
  }

  @Test
  void aHuberDeltaAboveEveryDifferenceIsHalfTheMeanSquaredError() {
    float huber = Losses.create("huber", 0, 100).evaluate(manager.create(PREDICTIONS), manager.create(LABELS))
        .getFloat();
    float mse = Losses.create("mse").evaluate(manager.create(PREDICTIONS), manager.create(LABELS)).getFloat();
    assertThat(huber).isEqualTo(mse / 2);
  }

  @Test
  void smoothL1IsTorchsSmoothL1LossInsideBeyondAndAtItsBeta() {
    assertThat(lossAndGradient(Losses.create("smooth_l1"))).as("beta 1, torch's default: huber with delta 1")
        .containsExactly(0.925000011920929f, 0.10000000149011612f, 0.20000000298023224f, 0f, 0.20000000298023224f,
            -0.20000000298023224f);
    assertThat(lossAndGradient(Losses.create("smooth_l1", 0, 1, 2))).as("beta 2").containsExactly(0.675000011920929f,
        0.05000000074505806f, 0.15000000596046448f, 0f, 0.20000000298023224f, -0.10000000149011612f);
    assertThat(lossAndGradient(Losses.create("smooth_l1", 0, 1, 0.3))).as("beta 0.3: every difference but 0 beyond")
        .containsExactly(1.1800000667572021f, 0.20000000298023224f, 0.20000000298023224f, 0f, 0.20000000298023224f,
            -0.20000000298023224f);
  }

  @Test
  void smoothL1TakesAPositiveBetaAndSaysThatTorchsBetaZeroIsLossL1() {
    assertThatThrownBy(() -> Losses.create("smooth_l1", 0, 1, 0)).hasMessageContaining("loss.smooth_l1_beta")
        .hasMessageContaining("for beta 0, torch's L1 loss, use loss=l1");
    assertThatThrownBy(() -> Losses.create("smooth_l1", 0, 1, Double.NaN)).hasMessageContaining("got NaN");
    assertThatThrownBy(() -> Losses.create("smooth_l1", 0.2)).hasMessageContaining("loss smooth_l1 takes no label");
    assertThat(Losses.create("smooth_l1", 0, 1, 0.5).toString()).isEqualTo("smooth_l1(beta 0.5)");
    assertThat(Losses.create("huber", 0, 2, 0.5).toString()).as("a huber loss reads no beta").isEqualTo(
        "huber(delta 2.0)");
  }

  @Test
  void regressionLossesTakeNoLabelSmoothingNoBadDeltaAndNoOtherShapes() {
    assertThatThrownBy(() -> Losses.create("l1", 0.1)).hasMessageContaining("loss l1 takes no label smoothing");
    assertThatThrownBy(() -> Losses.create("huber", 0, 0)).hasMessageContaining("loss.huber_delta")
        .hasMessageContaining("got 0.0");
    assertThatThrownBy(() -> Losses.create("huber", 0, Double.POSITIVE_INFINITY))
        .hasMessageContaining("loss.huber_delta");
    assertThatThrownBy(() -> Losses.create("huber").evaluate(manager.zeros(new Shape(3, 2)),
        manager.zeros(new Shape(3)))).hasMessageContaining("huber needs a non-empty label of the prediction's shape");
    assertThat(Losses.create("huber", 0, 2.5).toString()).isEqualTo("huber(delta 2.5)");
    assertThat(Losses.NAMES).containsExactly("softmax_cross_entropy", "mse", "l1", "huber", "smooth_l1");
  }
}
