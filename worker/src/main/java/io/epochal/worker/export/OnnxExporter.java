package io.epochal.worker.export;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a model as a standard ONNX file (IR version {@value #IR_VERSION}, opset {@value #OPSET}
 * of the default domain): one float input {@value #INPUT} {@code [batch, inputShape...]} and one
 * float output {@value #OUTPUT} {@code [batch, outputs]}, where {@code batch} is a symbolic
 * (dynamic) dimension; the tensors are initializers under their PyTorch names. The model's name,
 * version and hyperparameters go into the file's metadata ({@code epochal.model.*}).
 *
 * <p>The state dict is checked strictly against the model the registry builds from the
 * hyperparameters before anything is written. Thread-safe.
 */
public final class OnnxExporter {

  /** The ONNX IR version written. */
  public static final int IR_VERSION = 8;
  /** The opset version of the default ONNX domain. */
  public static final int OPSET = 17;
  /** The name of the graph input. */
  public static final String INPUT = "input";
  /** The name of the graph output. */
  public static final String OUTPUT = "output";
  /** Metadata key of the model name. */
  public static final String META_NAME = "epochal.model.name";
  /** Metadata key of the model version. */
  public static final String META_VERSION = "epochal.model.version";
  /**
   * Metadata key of whether the outputs are a classification's logits ({@code true}, a job of loss
   * {@code softmax_cross_entropy}) or regression values ({@code false}); absent when not known.
   */
  public static final String META_CLASSIFICATION = "epochal.classification";

  private final ModelRegistry registry;
  private final List<OnnxTranslator> translators;
  /** The translators listed on the class path that could not be loaded, each with why. */
  private final List<String> broken;

  private OnnxExporter(ModelRegistry registry, Collection<? extends OnnxTranslator> translators,
      List<String> broken) {
    this.registry = checkNotNull(registry, "registry");
    this.translators = List.copyOf(translators);
    this.broken = List.copyOf(broken);
  }

  /** The exporter of the default model registry and every translator the context class loader sees. */
  public static OnnxExporter getDefault() {
    ClassLoader loader = Thread.currentThread().getContextClassLoader();
    List<String> broken = new ArrayList<>(); // one that cannot be loaded is left out: the others translate still
    List<OnnxTranslator> found = ModelRegistry.loadEach(OnnxTranslator.class,
        loader == null ? OnnxExporter.class.getClassLoader() : loader, broken);
    return new OnnxExporter(ModelRegistry.getDefault(), found, broken);
  }

  /** An exporter of exactly these models and translators. */
  public static OnnxExporter of(ModelRegistry registry, Collection<? extends OnnxTranslator> translators) {
    return new OnnxExporter(registry, translators, List.of());
  }

  /**
   * Writes {@code name} v{@code version}, built from {@code rawParams} and loaded with
   * {@code state}, as an ONNX model to {@code out} (not closed).
   *
   * @throws UntranslatableModelException naming the model (or the part of it) that has no translation
   * @throws IllegalArgumentException for an unknown model, bad hyperparameters, or a state dict
   *     whose names or shapes do not match the model
   * @throws IOException if {@code out} fails
   */
  public void export(String name, int version, HyperParameters rawParams, StateDict state, OutputStream out)
      throws IOException {
    checkNotNull(out, "out");
    out.write(export(name, version, rawParams, state));
  }

  /** The ONNX model bytes of {@link #export(String, int, HyperParameters, StateDict, OutputStream)}. */
  public byte[] export(String name, int version, HyperParameters rawParams, StateDict state) {
    return export(name, version, rawParams, state, (Boolean) null);
  }

  /**
   * As {@link #export(String, int, HyperParameters, StateDict)}, recording in the model's metadata
   * ({@link #META_CLASSIFICATION}) whether its outputs are a classification's logits; {@code null}:
   * not recorded.
   */
  public byte[] export(String name, int version, HyperParameters rawParams, StateDict state, Boolean classification) {
    checkNotNull(state, "state");
    OnnxTranslator translator = translators.stream().filter(t -> t.supports(name, version)).findFirst()
        .orElseThrow(() -> new UntranslatableModelException("model " + name + " v" + version + (broken.isEmpty() ? ""
            : " (translators listed on the class path but not loaded: " + String.join("; ", broken) + ")")));
    HyperParameters resolved = registry.resolve(name, version, rawParams);
    long[] inputShape;
    int outputs;
    try (EpochalModel model = registry.create(name, version, resolved)) {
      model.loadStateDict(state); // strict: names, dtypes, shapes
      inputShape = model.inputShape();
      outputs = model.outputSize();
    }
    OnnxGraph graph = new OnnxGraph(state, INPUT, inputShape);
    String output = translator.translate(resolved, graph);
    ProtoMessage model = new ProtoMessage()
        .int64(1, IR_VERSION)
        .string(2, "epochal")
        .string(3, producerVersion())
        .int64(5, version)
        .string(6, name + " v" + version + " exported by Epochal, evaluation mode")
        .bytes(7, graph.encode(name + "_v" + version, output, OUTPUT, outputs))
        .message(8, new ProtoMessage().string(1, "").int64(2, OPSET));
    Map<String, String> meta = new TreeMap<>();
    meta.put(META_NAME, name);
    meta.put(META_VERSION, String.valueOf(version));
    meta.put("epochal.model.hyperparameters", resolved.toJson().toString());
    if (classification != null) {
      meta.put(META_CLASSIFICATION, classification.toString());
    }
    meta.forEach((k, v) -> model.message(14, new ProtoMessage().string(1, k).string(2, v)));
    return model.toByteString().toByteArray();
  }

  private static String producerVersion() {
    String v = OnnxExporter.class.getPackage().getImplementationVersion();
    return v == null ? "development" : v;
  }

  @Override
  public String toString() {
    return "OnnxExporter[" + translators.size() + " translators, " + registry + "]";
  }
}
