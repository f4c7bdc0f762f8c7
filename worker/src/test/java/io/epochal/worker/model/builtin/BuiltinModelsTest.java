package io.epochal.worker.model.builtin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.DType;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.model.EngineSettings;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.model.NamedParameter;
import io.epochal.worker.probe.Probe;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BuiltinModelsTest {

  private static final ModelRegistry REGISTRY = ModelRegistry.getDefault();
  private static NDManager arrays;

  @BeforeAll
  static void setUp() {
    EngineSettings.configureThreads(1);
    arrays = Engine.getEngine("PyTorch").newBaseManager();
  }

  @AfterAll
  static void tearDown() {
    arrays.close();
  }

  static HyperParameters mlpParams() {
    return HyperParameters.builder().put("input_dim", 6).put("hidden", List.of(5L, 4L)).put("output_dim", 3)
        .put("activation", "gelu").put("dropout", 0.5).build();
  }

  static HyperParameters cnnParams() {
    return HyperParameters.builder().put("image_size", 8).put("channels", 3).put("classes", 4).build();
  }

  static Stream<Arguments> models() {
    return Stream.of(Arguments.of("mlp", mlpParams()), Arguments.of("cnn", cnnParams()),
        Arguments.of("mlp-offset", mlpParams()));
  }

  /** The names and shapes of the documented torch.nn modules' state_dict(), in order. */
  @SuppressWarnings("fallthrough")
  static Map<String, List<Long>> torchLayout(String model) {
    Map<String, List<Long>> m = new LinkedHashMap<>();
    switch (model) {
      case "mlp-offset":
        m.put("offset", List.of(3L));
        // fall through: the rest is the mlp
      case "mlp":
        m.put("layers.0.weight", List.of(5L, 6L));
        m.put("layers.0.bias", List.of(5L));
        m.put("layers.3.weight", List.of(4L, 5L));
        m.put("layers.3.bias", List.of(4L));
        m.put("layers.6.weight", List.of(3L, 4L));
        m.put("layers.6.bias", List.of(3L));
        return m;
      case "cnn":
        m.put("conv1.weight", List.of(3L, 1L, 3L, 3L));
        m.put("conv1.bias", List.of(3L));
        m.put("bn1.weight", List.of(3L));
        m.put("bn1.bias", List.of(3L));
        m.put("bn1.running_mean", List.of(3L));
        m.put("bn1.running_var", List.of(3L));
        m.put("bn1.num_batches_tracked", List.of());
        m.put("conv2.weight", List.of(6L, 3L, 3L, 3L));
        m.put("conv2.bias", List.of(6L));
        m.put("bn2.weight", List.of(6L));
        m.put("bn2.bias", List.of(6L));
        m.put("bn2.running_mean", List.of(6L));
        m.put("bn2.running_var", List.of(6L));
        m.put("bn2.num_batches_tracked", List.of());
        m.put("fc.weight", List.of(4L, 6L));
        m.put("fc.bias", List.of(4L));
        return m;
      default:
        throw new AssertionError(model);
    }
  }

  private static Map<String, List<Long>> layoutOf(StateDict sd) {
    Map<String, List<Long>> m = new LinkedHashMap<>();
    sd.forEach(e -> m.put(e.getKey(), Arrays.stream(e.getValue().shape()).boxed().toList()));
    return m;
  }

  private static NDArray batch(EpochalModel model, int n, long seed) {
    long[] shape = model.inputShape();
    long[] full = new long[shape.length + 1];
    full[0] = n;
    System.arraycopy(shape, 0, full, 1, shape.length);
    float[] v = new float[Math.toIntExact(Tensor.numel(full))];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return arrays.create(v, new ai.djl.ndarray.types.Shape(full));
  }

  private static void trainForward(EpochalModel model, long seed) {
    try (NDManager sub = arrays.newSubManager()) {
      NDArray x = batch(model, 8, seed);
      x.attach(sub);
      model.forward(x, true, new SplittableRandom(seed));
    }
  }

  @org.junit.jupiter.api.Test
  void aCnnWhosePooledMapIsOnePixelRefusesABatchOfOneSampleSayingWhy() {
    // at image size 4 the pooled map is 2x2: a batch of one sample still trains; at 3 it is 1x1,
    // and BatchNorm cannot train on one value per channel (the engine's error named no cause)
    HyperParameters four = HyperParameters.builder().put("image_size", 4).put("channels", 2).put("classes", 3).build();
    try (EpochalModel m = REGISTRY.create("cnn", 1, four); NDManager sub = arrays.newSubManager()) {
      m.initialize(5);
      NDArray one = sub.ones(new ai.djl.ndarray.types.Shape(1, 1, 4, 4));
      assertThat(m.forward(one, true, new SplittableRandom(1)).getShape().getShape()).containsExactly(1, 3);
      assertThat(m.minTrainingBatch()).isEqualTo(1);
    }
    HyperParameters three = HyperParameters.builder().put("image_size", 3).put("channels", 2).put("classes", 3).build();
    try (EpochalModel m = REGISTRY.create("cnn", 1, three); NDManager sub = arrays.newSubManager()) {
      m.initialize(5);
      assertThat(m.minTrainingBatch()).as("what the driver checks before a job starts").isEqualTo(2);
      assertThatThrownBy(() -> m.forward(sub.ones(new ai.djl.ndarray.types.Shape(1, 1, 3, 3)), true,
          new SplittableRandom(1))).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("image_size 3 cannot train on a batch of one sample");
      assertThat(m.forward(sub.ones(new ai.djl.ndarray.types.Shape(2, 1, 3, 3)), true, new SplittableRandom(1))
          .getShape().getShape()).containsExactly(2, 3);
      assertThat(m.forward(sub.ones(new ai.djl.ndarray.types.Shape(1, 1, 3, 3)), false, null).getShape().getShape())
          .containsExactly(1, 3);
    }
  }

  @org.junit.jupiter.api.Test
  void flatRowsOfAnImageAreReadRowMajorLikeTorchView() {
    try (EpochalModel m = REGISTRY.create("cnn", 1, cnnParams()); NDManager sub = arrays.newSubManager()) {
      m.initialize(5);
      NDArray images = batch(m, 3, 9);
      images.attach(sub);
      NDArray flat = images.reshape(3, 64);

      float[] fromImages = m.forward(images, false, null).toFloatArray();
      float[] fromFlat = m.forward(flat, false, null).toFloatArray();

      assertThat(fromFlat).containsExactly(fromImages);
      assertThatThrownBy(() -> m.forward(images.reshape(3, 32, 2), false, null))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[batch, 1, 8, 8]");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void stateDictHasTheNamesShapesAndDtypesOfTheTorchModule(String name, HyperParameters hp) {
    try (EpochalModel m = REGISTRY.create(name, 1, hp)) {
      m.initialize(3);
      StateDict sd = m.stateDict();
      assertThat(layoutOf(sd)).containsExactlyEntriesOf(torchLayout(name));
      sd.forEach(e -> assertThat(e.getValue().dtype()).as(e.getKey())
          .isEqualTo(e.getKey().endsWith("num_batches_tracked") ? DType.I64 : DType.F32));
      List<String> trainable = m.trainableParameters().stream().map(NamedParameter::name).toList();
      assertThat(trainable).containsExactlyElementsOf(sd.names().stream()
          .filter(k -> k.endsWith("weight") || k.endsWith("bias")).toList());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void stateViewHoldsWhatStateDictCopies(String name, HyperParameters hp) {
    try (EpochalModel m = REGISTRY.create(name, 1, hp)) {
      m.initialize(4);
      assertThat(m.stateView()).isEqualTo(m.stateDict());
      assertThat(m.stateView().nameList()).isEqualTo(m.stateDict().nameList());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void reloadedModelReproducesOutputBitsAndStateDict(String name, HyperParameters hp) {
    try (EpochalModel a = REGISTRY.create(name, 1, hp); EpochalModel b = REGISTRY.create(name, 1, hp)) {
      a.initialize(11);
      trainForward(a, 5); // moves BatchNorm statistics away from their initial values
      StateDict saved = a.stateDict();
      b.initialize(99);
      assertThat(b.stateDict()).isNotEqualTo(saved);
      b.loadStateDict(saved);
      assertThat(b.stateDict()).isEqualTo(saved);
      assertThat(Probe.run(b, Probe.input(b.inputShape()))).isEqualTo(Probe.run(a, Probe.input(a.inputShape())));
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void initializationIsAPureFunctionOfTheSeed(String name, HyperParameters hp) {
    try (EpochalModel a = REGISTRY.create(name, 1, hp); EpochalModel b = REGISTRY.create(name, 1, hp)) {
      a.initialize(42);
      b.initialize(42);
      assertThat(b.stateDict()).isEqualTo(a.stateDict());
      b.initialize(43);
      assertThat(b.stateDict()).isNotEqualTo(a.stateDict());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void gradientsReachEveryTrainableParameter(String name, HyperParameters hp) {
    try (EpochalModel m = REGISTRY.create(name, 1, hp); NDManager sub = arrays.newSubManager()) {
      m.initialize(7);
      NDArray x = batch(m, 8, 1);
      x.attach(sub);
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        NDArray out = m.forward(x, true, new SplittableRandom(1));
        assertThat(out.getShape().getShape()).containsExactly(8, m.outputSize());
        gc.backward(out.square().sum());
      }
      for (NamedParameter p : m.trainableParameters()) {
        float[] g = p.array().getGradient().toFloatArray();
        double norm = 0;
        for (float v : g) {
          norm += Math.abs(v);
        }
        assertThat(norm).as("gradient of %s", p.name()).isGreaterThan(0);
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void wrongInputShapeIsRefusedWithTheExpectedShape(String name, HyperParameters hp) {
    try (EpochalModel m = REGISTRY.create(name, 1, hp); NDManager sub = arrays.newSubManager()) {
      m.initialize(1);
      NDArray wrong = sub.zeros(new ai.djl.ndarray.types.Shape(2, 7));
      assertThatThrownBy(() -> m.forward(wrong, false, null))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(name + " v1 expects input of shape [batch, ")
          .hasMessageContaining("but got [2, 7]");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void loadStateDictNamesEveryProblemAndChangesNothing(String name, HyperParameters hp) {
    try (EpochalModel m = REGISTRY.create(name, 1, hp); EpochalModel o = REGISTRY.create(name, 1, hp)) {
      m.initialize(1);
      o.initialize(2);
      StateDict good = m.stateDict();
      StateDict other = o.stateDict(); // another seed's weights: applying any of them would change the model
      assertThat(other).isNotEqualTo(good);
      List<String> names = good.nameList();
      String dropped = names.get(0);
      String reshaped = names.get(names.size() - 1);
      StateDict.Builder bad = StateDict.builder();
      other.forEach(e -> {
        if (e.getKey().equals(reshaped)) {
          bad.put(e.getKey(), Tensor.ofFloats(new long[] {1, 1}, 0f));
        } else if (!e.getKey().equals(dropped)) {
          bad.put(e.getKey(), e.getValue());
        }
      });
      bad.put("extra.weight", Tensor.ofFloats(new long[] {2}, 1f, 2f));
      assertThatThrownBy(() -> m.loadStateDict(bad.build()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("state dict does not fit model " + name + " v1 (3 problems)")
          .hasMessageContaining("missing '" + dropped + "' (F32")
          .hasMessageContaining("'" + reshaped + "' is F32[1, 1] but the model expects F32[")
          .hasMessageContaining("unexpected 'extra.weight' (F32[2])");
      assertThat(m.stateDict()).isEqualTo(good);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("models")
  void trainingForwardIsDeterministicPerGeneratorAndEvaluationUsesNoGenerator(String name, HyperParameters hp) {
    try (EpochalModel a = REGISTRY.create(name, 1, hp); EpochalModel b = REGISTRY.create(name, 1, hp);
        NDManager sub = arrays.newSubManager()) {
      a.initialize(4);
      b.initialize(4);
      NDArray x = batch(a, 8, 2);
      x.attach(sub);
      float[] ya = a.forward(x, true, new SplittableRandom(9)).toFloatArray();
      float[] yb = b.forward(x, true, new SplittableRandom(9)).toFloatArray();
      assertThat(yb).containsExactly(ya);
      assertThat(b.stateDict()).isEqualTo(a.stateDict());
      float[] e1 = a.forward(x, false, null).toFloatArray();
      float[] e2 = a.forward(x, false, null).toFloatArray();
      assertThat(e2).containsExactly(e1);
      if (!name.equals("cnn")) { // the MLPs have dropout 0.5: another generator drops other units
        float[] yc = b.forward(x, true, new SplittableRandom(10)).toFloatArray();
        assertThat(yc).isNotEqualTo(ya);
      }
    }
  }
}
