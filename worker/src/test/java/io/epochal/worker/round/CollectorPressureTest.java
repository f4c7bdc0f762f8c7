package io.epochal.worker.round;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.loss.HuberLoss;
import io.epochal.worker.loss.Loss;
import io.epochal.worker.loss.SmoothL1Loss;
import io.epochal.worker.model.EngineSettings;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Training computes the same bits while the garbage collector runs all the time. A constant that a
 * loss or a round multiplies by (an accumulated batch's share of its step, label smoothing's
 * weights, Huber's halves and delta, smooth L1's beta, class and sample weights) is kept by the
 * autograd graph until backward reads it; made the way DJL makes a number into an array, over a
 * direct buffer the collector frees once Java no longer holds it, backward now and then read
 * freed memory and a batch's gradient came out scaled by garbage. Every optimizer, dropout (whose mask stays open until the step ends), both clippings
 * and the cnn are held to the same bits too: a dropout mask closed right after its multiplication
 * fails them within a few rounds.
 */
class CollectorPressureTest {

  /** Collects garbage and frees direct buffers back to back until closed. */
  private static final class Collector implements AutoCloseable {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread = new Thread(() -> {
      while (running.get()) {
        System.gc();
        List<ByteBuffer> churn = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
          churn.add(ByteBuffer.allocateDirect(4).putFloat(0, Float.NaN));
        }
      }
    }, "collector-pressure");

    Collector() {
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join();
    }
  }

  @Test
  void accumulatedAndSmoothedRoundsGiveTheSameBitsWhileTheCollectorRuns() throws Exception {
    TrainingConfig config = RoundFixtures.builder("sgd", HyperParameters.builder().put("lr", 0.1).build(), 0, 8, 2, 0,
        4).setLoss(io.epochal.worker.loss.LossConfig.builder().setName("softmax_cross_entropy").optLabelSmoothing(0.1)
        .build()).build();
    List<String> differing = differingRounds(config, RoundFixtures.shard(0, 64, 3),
        Integer.getInteger("epochal.stress.rounds", 150), 3);
    assertThat(differing).as("rounds whose state differs from the first round's").isEmpty();
  }

  @Test
  void everyOptimizerDropoutClippingAndTheCnnGiveTheSameBitsWhileTheCollectorRuns() throws Exception {
    Map<String, TrainingConfig> configs = new java.util.LinkedHashMap<>();
    configs.put("sgd", RoundFixtures.builder("sgd", HyperParameters.builder().put("lr", 0.05).put("momentum", 0.9)
        .put("nesterov", true).put("weight_decay", 1e-3).build(), 0.2, 16, 2, 1.0, 1).build());
    configs.put("adam", RoundFixtures.builder("adam", HyperParameters.builder().put("lr", 0.01).put("amsgrad", true)
        .put("weight_decay", 1e-3).build(), 0.2, 16, 2, 0, 1).optClipGradValue(0.5).build());
    configs.put("adamw", RoundFixtures.builder("adamw", HyperParameters.builder().put("lr", 0.01).build(), 0.2, 16, 2,
        1.0, 1).build());
    configs.put("rmsprop", RoundFixtures.builder("rmsprop", HyperParameters.builder().put("momentum", 0.5)
        .put("centered", true).put("weight_decay", 1e-3).build(), 0.2, 16, 2, 1.0, 1).build());
    HyperParameters cnn = io.epochal.worker.model.ModelRegistry.getDefault().resolve("cnn", 1,
        HyperParameters.builder().put("image_size", 8L).put("channels", 4L).put("classes", 3L).build());
    configs.put("cnn", RoundFixtures.builder("adam", HyperParameters.builder().put("lr", 0.01).build(), 0, 16, 2, 0, 1)
        .setModel("cnn", 1, cnn).build());
    int rounds = Integer.getInteger("epochal.stress.rounds", 150) / 6;
    List<String> differing = new ArrayList<>();
    for (Map.Entry<String, TrainingConfig> c : configs.entrySet()) {
      DataShard shard = c.getKey().equals("cnn") ? RoundFixtures.argmaxShard(0, 64, 64, 3, 5)
          : RoundFixtures.shard(0, 64, 3);
      differingRounds(c.getValue(), shard, rounds, 1).forEach(d -> differing.add(c.getKey() + ", " + d));
    }
    assertThat(differing).as("configurations with a round whose state differs from the first round's").isEmpty();
  }

  @Test
  void huberAndSmoothL1GradientsKeepTheirBitsWhileTheCollectorRuns() throws Exception {
    EngineSettings.configureThreads(1);
    float[] predictions = new float[64];
    float[] labels = new float[64];
    for (int i = 0; i < predictions.length; i++) {
      predictions[i] = (i % 13) * 0.37f - 2f;
      labels[i] = (i % 7) * 0.21f - 0.5f;
    }
    int repeats = Integer.getInteger("epochal.stress.rounds", 150) * 4;
    for (Loss loss : List.of(new HuberLoss(0.5f), new SmoothL1Loss(0.5f))) {
      float[] reference = gradient(loss, predictions, labels);
      int differing = 0;
      try (Collector ignored = new Collector()) {
        for (int i = 0; i < repeats; i++) {
          if (!java.util.Arrays.equals(gradient(loss, predictions, labels), reference)) {
            differing++;
          }
        }
      }
      assertThat(differing).as("%s: of %d gradients, those that differ from the first", loss, repeats).isZero();
    }
  }

  @Test
  void weightedLossesKeepTheirGradientsWhileTheCollectorRuns() throws Exception {
    EngineSettings.configureThreads(1);
    int rows = 48;
    int classes = 3;
    float[] logits = new float[rows * classes];
    for (int i = 0; i < logits.length; i++) {
      logits[i] = (i % 11) * 0.29f - 1.3f;
    }
    float[] classLabels = new float[rows];
    float[] targets = new float[rows];
    float[] samples = new float[rows];
    for (int i = 0; i < rows; i++) {
      classLabels[i] = i % classes;
      targets[i] = (i % 7) * 0.21f - 0.5f;
      samples[i] = 0.25f + (i % 5) * 0.5f;
    }
    float[] noWeight = new float[rows];
    float[] regression = java.util.Arrays.copyOf(logits, rows);
    Map<String, float[]> reference = new java.util.LinkedHashMap<>();
    Map<String, java.util.function.Supplier<float[]>> cases = new java.util.LinkedHashMap<>();
    Loss byClass = new io.epochal.worker.loss.SoftmaxCrossEntropyLoss(0, new double[] {3, 1, 0.5});
    Loss smoothedByClass = new io.epochal.worker.loss.SoftmaxCrossEntropyLoss(0.1, new double[] {3, 1, 0.5});
    Loss mse = new io.epochal.worker.loss.MseLoss();
    cases.put("class weights", () -> gradient(byClass, logits, new Shape(rows, classes), classLabels, null));
    cases.put("class and sample weights, label smoothing",
        () -> gradient(smoothedByClass, logits, new Shape(rows, classes), classLabels, samples));
    cases.put("sample weights, mse", () -> gradient(mse, regression, new Shape(rows, 1), targets, samples));
    cases.put("a batch of weight 0, mse", () -> gradient(mse, regression, new Shape(rows, 1), targets, noWeight));
    cases.forEach((name, c) -> reference.put(name, c.get()));
    int repeats = Integer.getInteger("epochal.stress.rounds", 150) * 2;
    List<String> differing = new ArrayList<>();
    try (Collector ignored = new Collector()) {
      for (int i = 0; i < repeats; i++) {
        cases.forEach((name, c) -> {
          if (!java.util.Arrays.equals(c.get(), reference.get(name))) {
            differing.add(name);
          }
        });
      }
    }
    assertThat(differing).as("gradients that differ from the first of their case, of %d each", repeats).isEmpty();
    for (float g : reference.get("a batch of weight 0, mse")) {
      assertThat(g).as("the gradient of a batch of weight 0").isZero();
    }
  }

  /**
   * Runs {@code config}'s first round on {@code shard} once quietly, then up to {@code rounds} times
   * while the collector runs; names each round whose state differs from the first (and its first
   * differing tensor), at most {@code limit} of them.
   */
  private static List<String> differingRounds(TrainingConfig config, DataShard shard, int rounds, int limit)
      throws InterruptedException {
    StateDict global = RoundFixtures.initialState(config);
    StateDict reference = LocalRound.run(config, global, shard, 0, 0, 0).state();
    List<String> differing = new ArrayList<>();
    try (Collector ignored = new Collector()) {
      for (int i = 0; i < rounds && differing.size() < limit; i++) {
        for (Map.Entry<String, Tensor> e : LocalRound.run(config, global, shard, 0, 0, 0).state()) {
          if (!e.getValue().equals(reference.require(e.getKey()))) {
            differing.add("round " + i + ": " + e.getKey());
            break;
          }
        }
      }
    }
    return differing;
  }

  private static float[] gradient(Loss loss, float[] predictions, float[] labels) {
    return gradient(loss, predictions, new Shape(predictions.length), labels, null);
  }

  private static float[] gradient(Loss loss, float[] predictions, Shape shape, float[] labels, float[] weights) {
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      NDArray p = manager.create(predictions, shape);
      p.setRequiresGradient(true);
      NDArray y = manager.create(labels, new Shape(labels.length));
      try (Autograd autograd = Autograd.record()) {
        autograd.backward(weights == null ? loss.evaluate(p, y) : loss.evaluate(p, y, weights));
      }
      return p.getGradient().toFloatArray();
    }
  }
}
