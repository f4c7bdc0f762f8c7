package io.epochal.worker.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sample weights ({@code data.weight}): a batch's loss is its rows' weighted mean, so a row of whole weight k counts as
 * the row repeated k times, and a row of weight 0 as no row.
 */
class SampleWeightsTest {

  private static final float[][] LOGITS = {{1f, 2f, 3f}, {0.5f, -1f, 0f}, {0.25f, 0.75f, -0.5f}, {2f, -2f, 1f}};
  private static final float[] LABELS = {2f, 0f, 1f, 0f};
  /** Regression outputs of two targets per row, and their targets. */
  private static final float[][] OUTPUTS = {{1f, -2f}, {0.5f, 3f}, {-1.5f, 0.25f}, {2f, 2f}};
  private static final float[][] TARGETS = {{0.5f, -1f}, {2f, 1f}, {-1f, -0.75f}, {4f, 2.5f}};
  private static final float[] WEIGHTS = {2f, 1f, 0f, 3f};
  /** Each row repeated as many times as {@link #WEIGHTS} says. */
  private static final int[] REPEATED = {0, 0, 1, 3, 3, 3};

  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  @Test
  void aRowOfWholeWeightKCountsAsTheRowRepeatedKTimesInTheLossAndItsGradient() {
    Loss[] losses = {new SoftmaxCrossEntropyLoss(), new SoftmaxCrossEntropyLoss(0.2, new double[] {0.5, 2, 1.5})};
    for (Loss loss : losses) {
      assertRepeatedRowsEqualWeights(loss, LOGITS, column(LABELS));
    }
    for (String name : new String[] {"mse", "l1", "huber", "smooth_l1"}) {
      assertRepeatedRowsEqualWeights(Losses.create(name, 0, 0.5, 0.7), OUTPUTS, TARGETS);
    }
  }

  @Test
  void weightsOfOneGiveTheUnweightedLoss() {
    float[] ones = {1f, 1f, 1f, 1f};
    Loss ce = new SoftmaxCrossEntropyLoss(0.1);
    assertThat(lossAndGradient(ce, LOGITS, column(LABELS), ones))
        .containsExactly(lossAndGradient(ce, LOGITS, column(LABELS), null), within(4 * Math.ulp(1f)));
    Loss mse = Losses.create("mse");
    assertThat(lossAndGradient(mse, OUTPUTS, TARGETS, ones))
        .containsExactly(lossAndGradient(mse, OUTPUTS, TARGETS, null), within(4 * Math.ulp(8f)));
  }

  @Test
  void aBatchWhoseWeightsAreAllZeroHasLossZeroAndNoGradient() {
    float[] zeros = new float[4];
    for (Loss loss : new Loss[] {new SoftmaxCrossEntropyLoss(0.1, new double[] {1, 2, 3}), Losses.create("mse")}) {
      float[][] x = loss instanceof SoftmaxCrossEntropyLoss ? LOGITS : OUTPUTS;
      float[][] y = loss instanceof SoftmaxCrossEntropyLoss ? column(LABELS) : TARGETS;
      float[] out = lossAndGradient(loss, x, y, zeros);
      for (int i = 0; i < out.length; i++) {
        assertThat(Math.abs(out[i])).as("%s: loss, then its gradient: value %s", loss, i).isEqualTo(0f); // or -0
      }
    }
  }

  @Test
  void oneWeightPerRowIsRequired() {
    NDArray x = manager.create(LOGITS);
    NDArray y = manager.create(LABELS);
    assertThatThrownBy(() -> new SoftmaxCrossEntropyLoss().evaluate(x, y, new float[] {1f, 2f}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("softmax_cross_entropy needs one sample weight per row of predictions (4, 3), got 2");
    NDArray p = manager.create(OUTPUTS);
    NDArray t = manager.create(TARGETS);
    assertThatThrownBy(() -> Losses.create("mse").evaluate(p, t, new float[5]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("mse needs one sample weight per row of the prediction (4, 2), got 5");
  }

  /** The weighted loss of the rows equals the unweighted loss of {@link #REPEATED}; so do the rows' gradients. */
  private void assertRepeatedRowsEqualWeights(Loss loss, float[][] x, float[][] y) {
    float[] weighted = lossAndGradient(loss, x, y, WEIGHTS);
    float[][] rx = new float[REPEATED.length][];
    float[][] ry = new float[REPEATED.length][];
    for (int i = 0; i < REPEATED.length; i++) {
      rx[i] = x[REPEATED[i]];
      ry[i] = y[REPEATED[i]];
    }
    float[] repeated = lossAndGradient(loss, rx, ry, null);
    int width = x[0].length;
    float tolerance = 8 * Math.ulp(4f);
    assertThat(weighted[0]).as("%s: loss", loss).isCloseTo(repeated[0], within(tolerance));
    float[] summed = new float[x.length * width]; // a row's gradient: the sum over its repetitions
    for (int i = 0; i < REPEATED.length; i++) {
      for (int c = 0; c < width; c++) {
        summed[REPEATED[i] * width + c] += repeated[1 + i * width + c];
      }
    }
    for (int j = 0; j < summed.length; j++) {
      assertThat(weighted[1 + j]).as("%s: gradient %s", loss, j).isCloseTo(summed[j], within(tolerance));
    }
    assertThat(weighted[1 + 2 * width]).as("%s: the row of weight 0 has no gradient", loss).isEqualTo(0f);
    float[] unweighted = lossAndGradient(loss, x, y, null);
    assertThat(Math.abs(unweighted[0] - weighted[0])).as("%s: the weights change the loss", loss).isGreaterThan(1e-3f);
  }

  /** The loss of {@code x} against {@code y} with {@code weights} (null: none), then its gradient by {@code x}. */
  private float[] lossAndGradient(Loss loss, float[][] x, float[][] y, float[] weights) {
    NDArray input = manager.create(x);
    input.setRequiresGradient(true);
    NDArray label = y[0].length == 1 && loss instanceof SoftmaxCrossEntropyLoss
        ? manager.create(flatten(y)) : manager.create(y);
    float value;
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray l = loss.evaluate(input, label, weights);
      value = l.getFloat();
      gc.backward(l);
    }
    float[] grad = input.getGradient().toFloatArray();
    float[] out = new float[grad.length + 1];
    out[0] = value;
    System.arraycopy(grad, 0, out, 1, grad.length);
    return out;
  }

  private static float[][] column(float[] values) {
    float[][] c = new float[values.length][];
    for (int i = 0; i < values.length; i++) {
      c[i] = new float[] {values[i]};
    }
    return c;
  }

  private static float[] flatten(float[][] rows) {
    float[] f = new float[rows.length];
    for (int i = 0; i < rows.length; i++) {
      f[i] = rows[i][0];
    }
    return f;
  }
}
