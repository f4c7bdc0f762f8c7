package io.epochal.worker.export;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.protobuf.ByteString;
import io.epochal.tensor.DType;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX graph under construction: one float input {@code [batch, inputShape...]} with a
 * symbolic batch dimension, initializers taken from a state dict under their PyTorch names, and
 * nodes of the default ({@code ai.onnx}) domain. {@link OnnxTranslator}s add layers with the
 * helpers ({@link #linear}, {@link #conv2d}, {@link #batchNorm}, ...) or with {@link #node}; each
 * helper returns the name of its output value. Not thread-safe.
 */
public final class OnnxGraph {

  /** The symbolic name of the batch dimension of the input and output. */
  public static final String BATCH_DIM = "batch";

  private static final int FLOAT = 1;
  private static final int INT64 = 7;

  private final StateDict state;
  private final String inputName;
  private final long[] inputShape;
  private final Map<String, Tensor> initializers = new LinkedHashMap<>();
  private final List<ProtoMessage> nodes = new ArrayList<>();
  private int counter;

  OnnxGraph(StateDict state, String inputName, long[] inputShape) {
    this.state = checkNotNull(state, "state");
    this.inputName = checkNotNull(inputName, "inputName");
    this.inputShape = inputShape.clone();
  }

  /** The name of the graph's input value, {@code [batch, inputShape...]}. */
  public String input() {
    return inputName;
  }

  /** The per-sample input shape. */
  public long[] inputShape() {
    return inputShape.clone();
  }

  /**
   * Adds the state-dict tensor {@code name} as an initializer (once) and returns its name.
   *
   * @throws IllegalArgumentException if the state dict has no such tensor
   */
  public String tensor(String name) {
    checkArgument(state.contains(name), "the state dict has no tensor '%s' for the ONNX graph; it holds %s",
        name, state.names());
    initializers.putIfAbsent(name, state.get(name));
    return name;
  }

  /** Whether the state dict holds a tensor {@code name} (e.g. an optional buffer). */
  public boolean hasTensor(String name) {
    return state.contains(name);
  }

  /** Adds a constant initializer under a fresh name derived from {@code hint}; returns that name. */
  public String constant(String hint, Tensor value) {
    String name = fresh(hint);
    initializers.put(name, checkNotNull(value, "value"));
    return name;
  }

  /**
   * Adds a node of {@code opType} with one output and returns the output's name.
   *
   * @param attributes attribute name to value: a {@code Long}/{@code Integer}, {@code Float}/
   *     {@code Double}, {@code String} or {@code long[]}
   */
  public String node(String opType, List<String> inputs, Map<String, Object> attributes) {
    checkNotNull(opType, "opType");
    String output = fresh(opType.toLowerCase(java.util.Locale.ROOT));
    ProtoMessage n = new ProtoMessage();
    for (String in : inputs) {
      n.string(1, in);
    }
    n.string(2, output).string(3, output + "_node").string(4, opType);
    attributes.forEach((k, v) -> n.message(5, attribute(opType, k, v)));
    nodes.add(n);
    return output;
  }

  /** {@code nn.Linear} as {@code Gemm(x, prefix.weight, prefix.bias, transB=1)}; x is [batch, in]. */
  public String linear(String x, String prefix) {
    return node("Gemm", List.of(x, tensor(prefix + ".weight"), tensor(prefix + ".bias")), Map.of("transB", 1L));
  }

  /** {@code nn.Conv2d} with stride 1, dilation 1, groups 1 and symmetric {@code padding}. */
  public String conv2d(String x, String prefix, int padding) {
    long[] w = state.require(prefix + ".weight").shape();
    Map<String, Object> attrs = new LinkedHashMap<>();
    attrs.put("kernel_shape", new long[] {w[2], w[3]});
    attrs.put("pads", new long[] {padding, padding, padding, padding});
    attrs.put("strides", new long[] {1, 1});
    return node("Conv", List.of(x, tensor(prefix + ".weight"), tensor(prefix + ".bias")), attrs);
  }

  /** {@code nn.BatchNorm2d} in inference form: running statistics, {@code eps}. */
  public String batchNorm(String x, String prefix, double eps) {
    return node("BatchNormalization", List.of(x, tensor(prefix + ".weight"), tensor(prefix + ".bias"),
        tensor(prefix + ".running_mean"), tensor(prefix + ".running_var")), Map.of("epsilon", (float) eps));
  }

  /** {@code F.max_pool2d(x, k)}: kernel and stride {@code k}, no padding, floor mode. */
  public String maxPool2d(String x, int k) {
    // in a fixed order (Map.of's differs from JVM to JVM): the same checkpoint exports the same bytes
    Map<String, Object> attributes = new java.util.LinkedHashMap<>();
    attributes.put("kernel_shape", new long[] {k, k});
    attributes.put("strides", new long[] {k, k});
    return node("MaxPool", List.of(x), attributes);
  }

  /** Mean over height and width, flattened: [batch, C, H, W] to [batch, C]. */
  public String globalAveragePoolFlat(String x) {
    return node("Flatten", List.of(node("GlobalAveragePool", List.of(x), Map.of())), Map.of("axis", 1L));
  }

  /** Element-wise {@code x + tensor(name)} (broadcast over the batch). */
  public String addTensor(String x, String name) {
    return node("Add", List.of(x, tensor(name)), Map.of());
  }

  /**
   * An element-wise activation: {@code relu}, {@code tanh}, {@code sigmoid} or {@code gelu}
   * (exact: {@code 0.5 * x * (1 + erf(x / sqrt(2)))}, expressed with {@code Erf}).
   *
   * @throws UntranslatableModelException for any other activation
   */
  public String activation(String x, String kind) {
    switch (kind) {
      case "relu":
        return node("Relu", List.of(x), Map.of());
      case "tanh":
        return node("Tanh", List.of(x), Map.of());
      case "sigmoid":
        return node("Sigmoid", List.of(x), Map.of());
      case "gelu":
        String scaled = node("Div", List.of(x, constant("sqrt2", Tensor.scalarFloat((float) Math.sqrt(2.0)))),
            Map.of());
        String erf = node("Erf", List.of(scaled), Map.of());
        String onePlus = node("Add", List.of(erf, constant("one", Tensor.scalarFloat(1f))), Map.of());
        String times = node("Mul", List.of(x, onePlus), Map.of());
        return node("Mul", List.of(times, constant("half", Tensor.scalarFloat(0.5f))), Map.of());
      default:
        throw new UntranslatableModelException("activation '" + kind + "'");
    }
  }

  /** The encoded {@code GraphProto} whose output is {@code output} [batch, outputSize]. */
  ByteString encode(String graphName, String output, String outputName, long outputSize) {
    ProtoMessage g = new ProtoMessage();
    List<ProtoMessage> all = new ArrayList<>(nodes);
    all.add(identity(output, outputName));
    for (ProtoMessage n : all) {
      g.message(1, n);
    }
    g.string(2, graphName);
    initializers.forEach((name, t) -> g.message(5, tensorProto(name, t)));
    long[] in = new long[inputShape.length + 1];
    in[0] = -1;
    System.arraycopy(inputShape, 0, in, 1, inputShape.length);
    g.message(11, valueInfo(inputName, in));
    g.message(12, valueInfo(outputName, new long[] {-1, outputSize}));
    return g.toByteString();
  }

  private ProtoMessage identity(String from, String to) {
    return new ProtoMessage().string(1, from).string(2, to).string(3, to + "_node").string(4, "Identity");
  }

  private static ProtoMessage valueInfo(String name, long[] dims) {
    ProtoMessage shape = new ProtoMessage();
    for (long d : dims) {
      shape.message(1, d < 0 ? new ProtoMessage().string(2, BATCH_DIM) : new ProtoMessage().int64(1, d));
    }
    ProtoMessage tensorType = new ProtoMessage().int32(1, FLOAT).message(2, shape);
    return new ProtoMessage().string(1, name).message(2, new ProtoMessage().message(1, tensorType));
  }

  private static ProtoMessage tensorProto(String name, Tensor t) {
    int type;
    if (t.dtype() == DType.F32) {
      type = FLOAT;
    } else if (t.dtype() == DType.I64) {
      type = INT64;
    } else {
      throw new UntranslatableModelException("tensor '" + name + "' of dtype " + t.dtype());
    }
    ProtoMessage m = new ProtoMessage();
    for (long d : t.shape()) {
      m.int64(1, d);
    }
    return m.int32(2, type).string(8, name).bytes(9, ByteString.copyFrom(t.data()));
  }

  private static ProtoMessage attribute(String op, String name, Object v) {
    ProtoMessage a = new ProtoMessage().string(1, name);
    if (v instanceof Long || v instanceof Integer) {
      return a.int64(3, ((Number) v).longValue()).int32(20, 2);
    } else if (v instanceof Float || v instanceof Double) {
      return a.float32(2, ((Number) v).floatValue()).int32(20, 1);
    } else if (v instanceof String) {
      return a.bytes(4, ByteString.copyFromUtf8((String) v)).int32(20, 3);
    } else if (v instanceof long[]) {
      for (long x : (long[]) v) {
        a.int64(8, x);
      }
      return a.int32(20, 7);
    }
    throw new IllegalArgumentException("attribute '" + name + "' of " + op + " has an unsupported type "
        + (v == null ? "null" : v.getClass().getName()) + "; use Long, Float, String or long[]");
  }

  private String fresh(String hint) {
    return hint + "_" + (counter++);
  }

  @Override
  public String toString() {
    return "OnnxGraph[input " + inputName + " " + Arrays.toString(inputShape) + ", " + nodes.size() + " nodes, "
        + initializers.size() + " initializers]";
  }
}
