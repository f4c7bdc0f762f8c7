package io.epochal.worker.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class LossesTest {

  private static final float[][] LOGITS = {{1f, 2f, 3f}, {0.5f, -1f, 0f}};
  private static final int[] CLASSES = {2, 0};
  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  private NDArray logits() {
    return manager.create(LOGITS);
  }

  /** log(sum exp row), in doubles. */
  private static double logSumExp(float[] row) {
    double sum = 0;
    for (float v : row) {
      sum += Math.exp(v);
    }
    return Math.log(sum);
  }

  /** -log softmax(x)[c] = log(sum exp x) - x[c], in doubles. */
  private static double expectedCrossEntropy(float[][] x, int[] c) {
    double sum = 0;
    for (int i = 0; i < x.length; i++) {
      sum += logSumExp(x[i]) - x[i][c[i]];
    }
    return sum / x.length;
  }

  @Test
  void crossEntropyMatchesHandComputedValueForBothLabelShapes() {
    Loss loss = Losses.create("softmax_cross_entropy");
    double expected = expectedCrossEntropy(LOGITS, CLASSES);
    // row 0: log(e + e^2 + e^3) - 3 = 0.40760596; row 1: log(e^.5 + e^-1 + 1) - 0.5 = 0.60413061
    assertThat(expected).isCloseTo((0.40760596 + 0.60413061) / 2, within(1e-7));
    for (NDArray label : new NDArray[] {manager.create(new float[] {2f, 0f}),
        manager.create(new float[] {2f, 0f}, new Shape(2, 1))}) {
      NDArray value = loss.evaluate(logits(), label);
      assertThat(value.getShape()).isEqualTo(new Shape());
      assertThat((double) value.getFloat()).isCloseTo(expected, within(1e-6));
    }
  }

  /**
   * torch's CrossEntropyLoss(label_smoothing=e) in doubles: (1 - e) * nll + e / C * mean_i(-sum_c
   * log softmax(x_i)[c]).
   */
  private static double expectedSmoothed(float[][] x, int[] c, double e) {
    double smooth = 0;
    for (float[] row : x) {
      for (float v : row) {
        smooth += logSumExp(row) - v;
      }
    }
    smooth /= x.length;
    return (1 - e) * expectedCrossEntropy(x, c) + e / x[0].length * smooth;
  }

  @Test
  void labelSmoothingIsTorchsCrossEntropyTowardsAUniformTarget() {
    NDArray labels = manager.create(new float[] {2f, 0f});
    for (double e : new double[] {0.1, 0.5, 1.0}) {
      float value = Losses.create("softmax_cross_entropy", e).evaluate(logits(), labels).getFloat();
      assertThat((double) value).as("label_smoothing %s", e).isCloseTo(expectedSmoothed(LOGITS, CLASSES, e),
          within(1e-6));
    }
    // what torch 1.13's CrossEntropyLoss(label_smoothing=e) gave for these logits (docs/torch_equations.py)
    double[][] torch = {{0.0, 0.5058683156967163}, {0.1, 0.5892016291618347}, {0.5, 0.9225350022315979},
        {1.0, 1.3392016887664795}};
    for (double[] t : torch) {
      float value = Losses.create("softmax_cross_entropy", t[0]).evaluate(logits(), labels).getFloat();
      assertThat(value).as("torch's value at label_smoothing %s", t[0]).isCloseTo((float) t[1],
          within(2 * Math.ulp((float) t[1])));
    }
    // no smoothing: the plain loss, bit for bit
    assertThat(Losses.create("softmax_cross_entropy", 0).evaluate(logits(), labels).getFloat())
        .isEqualTo(Losses.create("softmax_cross_entropy").evaluate(logits(), labels).getFloat());
    assertThat(Losses.create("softmax_cross_entropy", 0.1).toString())
        .isEqualTo("softmax_cross_entropy(label_smoothing=0.1)");
  }

  @Test
  void aSmoothedLossesGradientIsSoftmaxMinusTheSmoothedTargetOverBatch() {
    assertGradientIsSoftmaxMinusTargetOverBatch(0.2);
  }

  @Test
  void labelSmoothingOutOfRangeOrForMseIsRefused() {
    assertThatThrownBy(() -> Losses.create("softmax_cross_entropy", 1.5)).hasMessageContaining("[0, 1]");
    assertThatThrownBy(() -> Losses.create("softmax_cross_entropy", -0.1)).hasMessageContaining("[0, 1]");
    assertThatThrownBy(() -> Losses.create("mse", 0.1)).hasMessageContaining("loss mse takes no label smoothing");
    assertThat(Losses.create("mse", 0).name()).isEqualTo("mse");
  }

  @Test
  void crossEntropyIsStableForHugeLogits() {
    NDArray x = manager.create(new float[][] {{1000f, 0f}, {-1000f, 1000f}});
    NDArray value = Losses.create("softmax_cross_entropy").evaluate(x, manager.create(new float[] {1f, 1f}));
    // row 0: -log softmax = 1000; row 1: ~0
    assertThat((double) value.getFloat()).isCloseTo(500.0, within(1e-3));
  }

  @Test
  void crossEntropyGradientIsSoftmaxMinusOneHotOverBatch() {
    assertGradientIsSoftmaxMinusTargetOverBatch(0);
  }

  /** The gradient with label smoothing {@code e}: (softmax - target) / batch, target (1 - e) one-hot + e / C. */
  private void assertGradientIsSoftmaxMinusTargetOverBatch(double e) {
    NDArray x = logits();
    x.setRequiresGradient(true);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      gc.backward(Losses.create("softmax_cross_entropy", e).evaluate(x, manager.create(new float[] {2f, 0f})));
    }
    float[] grad = x.getGradient().toFloatArray();
    for (int i = 0; i < 2; i++) {
      double z = Math.exp(logSumExp(LOGITS[i]));
      for (int j = 0; j < 3; j++) {
        double target = (j == CLASSES[i] ? 1 - e : 0) + e / 3;
        double expected = (Math.exp(LOGITS[i][j]) / z - target) / 2;
        assertThat((double) grad[i * 3 + j]).as("d loss / d x[%s][%s]", i, j).isCloseTo(expected, within(1e-6));
      }
    }
  }

  @Test
  void mseIsMeanOverAllElementsWithGradientTwoDiffOverCount() {
    float[][] p = {{1f, 2f}, {3f, 4f}, {0f, -1f}};
    float[][] y = {{0f, 2f}, {1f, 5f}, {0.5f, 1f}};
    // squares: 1, 0, 4, 1, 0.25, 4 -> 10.25 / 6
    NDArray x = manager.create(p);
    x.setRequiresGradient(true);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray value = Losses.create("mse").evaluate(x, manager.create(y));
      assertThat(value.getShape()).isEqualTo(new Shape());
      assertThat((double) value.getFloat()).isCloseTo(10.25 / 6, within(1e-6));
      gc.backward(value);
    }
    float[] grad = x.getGradient().toFloatArray();
    for (int i = 0; i < 6; i++) {
      assertThat((double) grad[i]).isCloseTo(2.0 * (p[i / 2][i % 2] - y[i / 2][i % 2]) / 6, within(1e-7));
    }
  }

  @Test
  void mseTakesOneTargetPerSampleForASingleOutputAsItsColumn() {
    // a regression shard has one label per row, [n], and the model predicts [n, 1]; PyTorch would
    // broadcast those to [n, n]
    NDArray p = manager.create(new float[][] {{1f}, {3f}, {0f}});
    float asVector = Losses.create("mse").evaluate(p, manager.create(new float[] {0f, 1f, 0.5f})).getFloat();
    float asColumn = Losses.create("mse").evaluate(p, manager.create(new float[][] {{0f}, {1f}, {0.5f}})).getFloat();
    assertThat(asVector).isEqualTo(asColumn);
    assertThat((double) asVector).isCloseTo((1 + 4 + 0.25) / 3, within(1e-6));
    assertThatThrownBy(() -> Losses.create("mse").evaluate(manager.zeros(new Shape(3, 2)), manager.zeros(new Shape(3))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(3, 2)").hasMessageContaining("(3)");
    assertThatThrownBy(() -> Losses.create("mse").evaluate(manager.zeros(new Shape(3, 1)), manager.zeros(new Shape(2))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void mismatchedShapesAndBadLabelsAreRefused() {
    assertThatThrownBy(() -> Losses.create("mse").evaluate(manager.zeros(new Shape(2, 3)), manager.zeros(new Shape(3, 2))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(2, 3)").hasMessageContaining("(3, 2)");
    Loss ce = Losses.create("softmax_cross_entropy");
    assertThatThrownBy(() -> ce.evaluate(logits(), manager.create(new float[] {2f, 3f})))
        .hasMessageContaining("label 3.0 at batch index 1");
    assertThatThrownBy(() -> ce.evaluate(logits(), manager.create(new float[] {0.5f, 1f})))
        .hasMessageContaining("label 0.5 at batch index 0");
    assertThatThrownBy(() -> ce.evaluate(logits(), manager.create(new float[] {1f, 1f, 1f})))
        .hasMessageContaining("labels shaped [2]");
  }

  @Test
  void unknownLossIsRefusedListingTheKnownOnes() {
    assertThatThrownBy(() -> Losses.create("cross_entropy"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown loss 'cross_entropy'")
        .hasMessageContaining("softmax_cross_entropy, mse");
  }
}
