package io.epochal.worker.loss;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Class weights of softmax_cross_entropy, as torch's {@code CrossEntropyLoss(weight=...)}, and {@link LossConfig}. */
class ClassWeightsTest {

  private static final float[][] LOGITS = {{1f, 2f, 3f}, {0.5f, -1f, 0f}, {0.25f, 0.75f, -0.5f}, {2f, -2f, 1f}};
  private static final float[] LABELS = {2f, 0f, 1f, 0f};
  private static final double[] WEIGHTS = {0.5, 2, 1.5};
  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  /** The loss of {@link #LOGITS} and its gradient by them, the loss first. */
  private float[] lossAndGradient(Loss loss, float[] labels) {
    return lossAndGradient(loss, LOGITS, labels);
  }

  /** The loss of {@code logits} against {@code labels}, then its gradient by the logits, row after row. */
  private float[] lossAndGradient(Loss loss, float[][] logits, float[] labels) {
    NDArray x = manager.create(logits);
    x.setRequiresGradient(true);
    float value;
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray l = loss.evaluate(x, manager.create(labels));
      value = l.getFloat();
      gc.backward(l);
    }
    float[] grad = x.getGradient().toFloatArray();
    float[] out = new float[grad.length + 1];
    out[0] = value;
    System.arraycopy(grad, 0, out, 1, grad.length);
    return out;
  }

  private static void assertCloseToTorch(float[] actual, double[] torch, String what) {
    assertThat(actual).hasSize(torch.length);
    for (int i = 0; i < torch.length; i++) {
      // the weighted sums are taken in another order than torch's: a few float32 ulps of the largest value
      assertThat((double) actual[i]).as("%s, value %s", what, i).isCloseTo(torch[i], within(4.0 * Math.ulp(0.25f)));
    }
  }

  @Test
  void weightedLossAndGradientAreTorchsCrossEntropyLossWithWeight() {
    // torch 1.13's CrossEntropyLoss(weight=[0.5, 2, 1.5]) of these logits, then its gradient (docs/torch_equations.py)
    double[] torch = {0.5229153037071228, 0.030010193586349487, 0.08157616853713989, -0.11158633232116699,
        -0.05038340389728546, 0.01355018187314272, 0.03683321550488472, 0.14240050315856934, -0.20966573059558868,
        0.06726523488759995, -0.03095565177500248, 0.0014680982567369938, 0.029487546533346176};
    assertCloseToTorch(lossAndGradient(new SoftmaxCrossEntropyLoss(0, WEIGHTS), LABELS), torch, "weight");
    // and the unweighted loss is not within that distance: the weights change the value
    float plain = lossAndGradient(new SoftmaxCrossEntropyLoss(), LABELS)[0];
    assertThat((double) plain).isNotCloseTo(torch[0], within(0.01));
  }

  @Test
  void weightedAndSmoothedLossIsTorchsWithWeightAndLabelSmoothing() {
    // torch 1.13's CrossEntropyLoss(weight=[0.5, 2, 1.5], label_smoothing=0.2): the uniform part is weighted per class
    // and divided by the labels' weights, as torch computes it
    double[] torch = {0.807679295539856, 0.021935895085334778, 0.050133734941482544, -0.07206960022449493,
        -0.015326016582548618, -0.011562722735106945, 0.026888733729720116, 0.12549972534179688,
        -0.16605837643146515, 0.04055865854024887, 0.010577649809420109, -0.027672166004776955,
        0.017094505950808525};
    assertCloseToTorch(lossAndGradient(new SoftmaxCrossEntropyLoss(0.2, WEIGHTS), LABELS), torch, "weight, e 0.2");
  }

  @Test
  void equalWeightsGiveTheUnweightedLoss() {
    float[] plain = lossAndGradient(new SoftmaxCrossEntropyLoss(0.1), LABELS);
    for (double w : new double[] {1, 3, 0.25}) {
      float[] weighted = lossAndGradient(new SoftmaxCrossEntropyLoss(0.1, new double[] {w, w, w}), LABELS);
      for (int i = 0; i < plain.length; i++) {
        assertThat(weighted[i]).as("weight %s, value %s", w, i).isCloseTo(plain[i], within(2 * Math.ulp(1f)));
      }
    }
  }

  @Test
  void aRowOfAHeavierClassPullsTheGradientAsThatManyCopiesOfItWould() {
    // weights (1, 1, 3) on rows labelled 1, 0, 2, 0 equal the unweighted loss of the rows with the third row tripled
    float[] weighted = lossAndGradient(new SoftmaxCrossEntropyLoss(0, new double[] {1, 1, 3}),
        new float[] {1f, 0f, 2f, 0f});
    float[] copies = lossAndGradient(new SoftmaxCrossEntropyLoss(),
        new float[][] {LOGITS[0], LOGITS[1], LOGITS[2], LOGITS[2], LOGITS[2], LOGITS[3]},
        new float[] {1f, 0f, 2f, 2f, 2f, 0f});
    assertThat(weighted[0]).isCloseTo(copies[0], within(2 * Math.ulp(copies[0])));
    // the gradient by each row's logits: the third row's is the sum of its three copies'
    int classes = LOGITS[0].length;
    int[] copiesOf = {0, 1, 2, 2, 2, 3};
    float[] summed = new float[LOGITS.length * classes];
    for (int copy = 0; copy < copiesOf.length; copy++) {
      for (int c = 0; c < classes; c++) {
        summed[copiesOf[copy] * classes + c] += copies[1 + copy * classes + c];
      }
    }
    for (int i = 0; i < summed.length; i++) {
      assertThat(weighted[1 + i]).as("gradient %s", i).isCloseTo(summed[i], within(4 * Math.ulp(0.25f)));
    }
  }

  @Test
  void weightsOfAnotherNumberOfClassesAreRefusedNamingBoth() {
    Loss loss = new SoftmaxCrossEntropyLoss(0, new double[] {1, 2});
    assertThatThrownBy(() -> loss.evaluate(manager.create(LOGITS), manager.create(LABELS)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has 2 class weights (loss.class_weights) but the predictions (4, 3) have 3 classes");
    assertThat(loss.toString()).isEqualTo("softmax_cross_entropy(weight=[1.0, 2.0])");
    assertThat(new SoftmaxCrossEntropyLoss(0.1, new double[] {1, 2}).toString())
        .isEqualTo("softmax_cross_entropy(weight=[1.0, 2.0], label_smoothing=0.1)");
  }

  @Test
  void aWeightThatIsNotAboveZeroOrNotAFloat32IsRefusedNamingTheClass() {
    for (double bad : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY, 1e-50, 1e40}) {
      assertThatThrownBy(() -> LossConfig.builder().setName("softmax_cross_entropy").optClassWeights(1, bad).build())
          .as("weight %s", bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("the weight of class 1 is " + bad);
    }
    assertThatThrownBy(() -> LossConfig.builder().setName("mse").optClassWeights(1, 2).build())
        .hasMessageContaining("loss mse takes no class weights");
  }

  @Test
  void aLossConfigCreatesItsLossAndSurvivesJavaSerialization() throws Exception {
    LossConfig config = LossConfig.builder().setName("softmax_cross_entropy").optLabelSmoothing(0.2)
        .optClassWeights(WEIGHTS).build();
    assertCloseToTorch(lossAndGradient(config.newLoss(), LABELS), new double[] {0.807679295539856, 0.021935895085334778,
        0.050133734941482544, -0.07206960022449493, -0.015326016582548618, -0.011562722735106945, 0.026888733729720116,
        0.12549972534179688, -0.16605837643146515, 0.04055865854024887, 0.010577649809420109, -0.027672166004776955,
        0.017094505950808525}, "from the config");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(config);
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      LossConfig copy = (LossConfig) in.readObject();
      assertThat(copy).isEqualTo(config).hasSameHashCodeAs(config).hasToString(config.toString());
    }
    assertThat(config.toString()).isEqualTo("softmax_cross_entropy, labelSmoothing 0.2, classWeights [0.5, 2.0, 1.5]");
    assertThat(config).isNotEqualTo(LossConfig.builder().setName("softmax_cross_entropy").optLabelSmoothing(0.2)
        .build());
    double[] given = config.classWeights();
    given[0] = 9;
    assertThat(config.classWeights()).as("a copy").containsExactly(WEIGHTS);
    assertThat(LossConfig.of("mse").newLoss().name()).isEqualTo("mse");
  }

  @Test
  void rowsWeighTheirLabelsWeightsInAMeanOrOneEachWithoutWeights() {
    int[] order = {3, 2, 1, 0};
    LossConfig weighted = LossConfig.builder().setName("softmax_cross_entropy").optClassWeights(0.1, 2, 1.5).build();
    // rows 2 and 1 of the order: labels 1 and 0
    assertThat(weighted.weightOf(LABELS, order, 1, 3)).isEqualTo((double) 2f + (double) 0.1f);
    assertThat(LossConfig.of("softmax_cross_entropy").weightOf(LABELS, order, 1, 3)).isEqualTo(2.0);
    float[] outOfRange = {0, 3, 1};
    assertThatThrownBy(() -> weighted.weightOf(outOfRange, new int[] {0, 1, 2}, 0, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("row 1 has label 3.0, not a class index of the 3 classes loss.class_weights weighs (0 to 2)");
  }
}
