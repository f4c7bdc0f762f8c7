package io.epochal.worker.export;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.model.EngineSettings;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.probe.Probe;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

class OnnxExportTest {

  private static final double TOLERANCE = 1e-5;

  @BeforeAll
  static void oneThread() {
    EngineSettings.configureThreads(1);
  }

  static Stream<Arguments> models() {
    HyperParameters mlp = HyperParameters.builder().put("input_dim", 6L).put("hidden", List.of(8L, 5L))
        .put("output_dim", 3L).put("dropout", 0.5).build();
    return Stream.of(
        Arguments.of("mlp", mlp),
        Arguments.of("mlp", HyperParameters.builder().putAll(mlp).put("activation", "gelu").build()),
        Arguments.of("mlp", HyperParameters.builder().putAll(mlp).put("activation", "tanh").build()),
        Arguments.of("mlp", HyperParameters.builder().putAll(mlp).put("activation", "sigmoid").build()),
        Arguments.of("mlp", HyperParameters.builder().putAll(mlp).put("hidden", List.of()).build()), // linear
        Arguments.of("mlp-offset", mlp),
        Arguments.of("cnn", HyperParameters.builder().put("image_size", 8L).put("channels", 4L)
            .put("classes", 10L).build()));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("models")
  void exportedModelMatchesDjlInOnnxRuntimeForBatchesOfOneAndFour(String name, HyperParameters hp) throws Exception {
    try (EpochalModel model = ModelRegistry.getDefault().create(name, 1, hp)) {
      model.initialize(42);
      trainBatchNormStatistics(model);
      byte[] onnx = OnnxExporter.getDefault().export(name, 1, hp, model.stateDict());

      OrtEnvironment env = OrtEnvironment.getEnvironment();
      try (OrtSession session = env.createSession(onnx, new OrtSession.SessionOptions())) {
        assertThat(session.getInputNames()).containsExactly(OnnxExporter.INPUT);
        assertThat(session.getOutputNames()).containsExactly(OnnxExporter.OUTPUT);
        long[] declared = ((TensorInfo) session.getInputInfo().get(OnnxExporter.INPUT).getInfo()).getShape();
        assertThat(declared[0]).as("dynamic batch dimension").isEqualTo(-1);
        Tensor probe = Probe.input(model.inputShape());
        Tensor one = firstSample(probe);
        for (Tensor input : List.of(probe, one)) {
          float[] djl = Probe.run(model, input).toFloatArray();
          float[] ort = runOrt(env, session, input);
          assertThat(ort).hasSize(djl.length);
          assertThat(maxAbsDiff(djl, ort)).as("max |DJL - ONNX Runtime| for batch %d", input.dim(0))
              .isLessThanOrEqualTo(TOLERANCE);
        }
      }
    }
  }

  @Test
  void aTranslatorListedOnTheClassPathThatCannotBeLoadedLeavesTheOthersTranslating(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
    java.nio.file.Path services = java.nio.file.Files.createDirectories(tmp.resolve("META-INF/services"));
    java.nio.file.Files.writeString(services.resolve(OnnxTranslator.class.getName()),
        "com.team.onnx.TeamTranslatorr\n");
    Thread thread = Thread.currentThread();
    ClassLoader before = thread.getContextClassLoader();
    try (java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[] {tmp.toUri().toURL()},
        OnnxExportTest.class.getClassLoader())) {
      thread.setContextClassLoader(loader);
      HyperParameters hp = (HyperParameters) models().findFirst().orElseThrow().get()[1];
      try (EpochalModel model = ModelRegistry.getDefault().create("mlp", 1, hp)) {
        model.initialize(42);
        assertThat(OnnxExporter.getDefault().export("mlp", 1, hp, model.stateDict())).isNotEmpty();
      }
    } finally {
      thread.setContextClassLoader(before);
    }
  }

  @Test
  void modelWithoutTranslationIsRefusedNamingIt() {
    HyperParameters hp = HyperParameters.builder().put("features", 3L).put("outputs", 2L).build();
    try (EpochalModel model = ModelRegistry.getDefault().create("example-linear", 1, hp)) {
      model.initialize(1);
      StateDict state = model.stateDict();
      assertThatThrownBy(() -> OnnxExporter.getDefault().export("example-linear", 1, hp, state))
          .isInstanceOf(UntranslatableModelException.class)
          .hasMessageContaining("cannot translate model example-linear v1 to ONNX");
    }
  }

  @Test
  void stateDictOfAnotherShapeIsRefusedBeforeWriting() {
    HyperParameters small = HyperParameters.builder().put("input_dim", 4L).put("hidden", List.of(3L))
        .put("output_dim", 2L).build();
    HyperParameters wide = HyperParameters.builder().putAll(small).put("hidden", List.of(5L)).build();
    try (EpochalModel model = ModelRegistry.getDefault().create("mlp", 1, small)) {
      model.initialize(1);
      StateDict state = model.stateDict();
      assertThatThrownBy(() -> OnnxExporter.getDefault().export("mlp", 1, wide, state))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("layers.0.weight");
    }
  }

  /** A few training-mode forwards so that BatchNorm's running statistics are not 0 and 1. */
  private static void trainBatchNormStatistics(EpochalModel model) {
    Tensor batch = Probe.input(model.inputShape());
    float[] v = batch.toFloatArray();
    for (int i = 0; i < v.length; i++) {
      v[i] = v[i] * 3 + 0.5f;
    }
    Tensor shifted = Tensor.ofFloats(batch.shape(), v);
    try (ai.djl.ndarray.NDManager sub = model.manager().newSubManager()) {
      for (int i = 0; i < 3; i++) {
        model.forward(io.epochal.worker.state.TensorConversion.toArray(sub, shifted), true, new SplittableRandom(i));
      }
    }
  }

  private static Tensor firstSample(Tensor batch) {
    long[] shape = batch.shape().clone();
    shape[0] = 1;
    float[] all = batch.toFloatArray();
    return Tensor.ofFloats(shape, Arrays.copyOf(all, Math.toIntExact(Tensor.numel(shape))));
  }

  private static float[] runOrt(OrtEnvironment env, OrtSession session, Tensor input) throws OrtException {
    try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(input.toFloatArray()), input.shape());
        OrtSession.Result r = session.run(Map.of(OnnxExporter.INPUT, t))) {
      OnnxTensor out = (OnnxTensor) r.get(0);
      FloatBuffer fb = out.getFloatBuffer();
      float[] values = new float[fb.remaining()];
      fb.get(values);
      return values;
    }
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs((double) a[i] - b[i]));
    }
    return max;
  }
}
