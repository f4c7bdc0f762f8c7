package io.epochal.driver.predict;

import static com.google.common.base.Preconditions.checkNotNull;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.epochal.driver.config.ConfigException;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The one class that touches ONNX Runtime ({@code ai.onnxruntime}): reads a model's signature on
 * the driver and runs it in tasks. Nothing else in Epochal refers to ONNX Runtime classes, so that
 * training and checkpoint prediction run without it on the classpath; callers check it is there
 * first ({@link OnnxModelFile#requireRuntime}).
 *
 * <p>Sessions are cached per JVM (an executor runs every partition of a model with one session,
 * shared by its task threads; {@code OrtSession.run} is thread-safe), keyed by the SHA-256 of the
 * model's bytes, at most {@value #CACHED} models; a model beyond that gets a session of its own
 * that is closed with its {@link Handle}. Sessions use one intra-op and one inter-op thread, since
 * Spark already runs one task per core.
 */
final class OnnxSessions {

  static final int CACHED = 4;

  /** The output of a probe run ({@link #runProbe}), or why it failed. */
  record ProbeRun(float[] output, String failure) {}

  /**
   * Runs the ONNX model {@code onnx} once on {@code in} of {@code shape} fed to input {@code input}, in a session
   * of its own with one intra-op thread: its output {@code output}, or why ONNX Runtime could not give it.
   */
  static ProbeRun runProbe(byte[] onnx, String input, String output, FloatBuffer in, long[] shape) {
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(1);
      try (OrtSession session = env.createSession(onnx, options);
          OnnxTensor tensor = OnnxTensor.createTensor(env, in, shape);
          OrtSession.Result result = session.run(Map.of(input, tensor))) {
        java.util.Optional<OnnxValue> value = result.get(output);
        if (value.isEmpty()) {
          return new ProbeRun(null, "ONNX Runtime returned no output '" + output + "'");
        }
        return new ProbeRun(OnnxProbeCheck.values(((OnnxTensor) value.get()).getFloatBuffer()), null);
      }
    } catch (OrtException e) {
      return new ProbeRun(null, "ONNX Runtime cannot run it: " + e.getMessage());
    }
  }

  private static final Map<String, OrtSession> CACHE = new LinkedHashMap<>();

  private OnnxSessions() {}

  /**
   * The signature of an ONNX model: exactly one float input {@code [batch, d1, ...]} with known
   * sample dimensions, and its first output {@code [batch, k]}.
   *
   * @param file the model's location, for messages
   * @throws ConfigException naming {@code file} when ONNX Runtime cannot load the model or its
   *     tensors are not of that form
   */
  static OnnxSignature describe(byte[] model, String file) {
    try (OrtSession.SessionOptions options = options();
        OrtSession session = OrtEnvironment.getEnvironment().createSession(model, options)) {
      Map<String, NodeInfo> inputs = session.getInputInfo();
      if (inputs.size() != 1) {
        throw new ConfigException("model", "ONNX model " + file + " has " + inputs.size() + " inputs "
            + inputs.keySet() + "; predict feeds one float input [batch, features...]");
      }
      NodeInfo input = inputs.values().iterator().next();
      long[] inShape = floatTensorShape(input, file, "input");
      long[] sample = Arrays.copyOfRange(inShape, Math.min(1, inShape.length), inShape.length);
      if (inShape.length < 2 || Arrays.stream(sample).anyMatch(d -> d < 1)) {
        throw new ConfigException("model", "ONNX model " + file + " input '" + input.getName() + "' has shape "
            + Arrays.toString(inShape) + "; predict needs [batch, features...] with every dimension after the "
            + "batch known");
      }
      if (inShape[0] > 0) { // predict's batches are of --batch-size rows, each partition's last one fewer
        throw new ConfigException("model", "ONNX model " + file + " input '" + input.getName() + "' has shape "
            + Arrays.toString(inShape) + ", a fixed batch of " + inShape[0] + " rows; predict feeds batches of up "
            + "to --batch-size rows, the last of each partition smaller: export the model with a dynamic batch "
            + "dimension (torch.onnx.export(..., dynamic_axes={'" + input.getName() + "': {0: 'batch'}, ...}), as "
            + "'epochal export --format onnx' does)");
      }
      Map<String, NodeInfo> outputs = session.getOutputInfo();
      NodeInfo output = outputs.values().iterator().next();
      long[] outShape = floatTensorShape(output, file, "output");
      if (outShape.length != 2 || outShape[1] < 1) {
        throw new ConfigException("model", "ONNX model " + file + " output '" + output.getName() + "' has shape "
            + Arrays.toString(outShape) + "; predict needs [batch, outputs] with a known number of outputs");
      }
      // an Epochal export says whether its outputs are logits; another exporter's: several outputs are
      String declared = session.getMetadata().getCustomMetadata()
          .get(io.epochal.worker.export.OnnxExporter.META_CLASSIFICATION);
      int outputSize = Math.toIntExact(outShape[1]);
      return new OnnxSignature(input.getName(), sample, output.getName(), outputSize,
          declared == null ? outputSize > 1 : Boolean.parseBoolean(declared));
    } catch (OrtException e) {
      throw new ConfigException("model", "ONNX Runtime cannot load " + file + " as an ONNX model: "
          + e.getMessage() + "; give a file written by 'epochal export --format onnx' or another ONNX exporter", e);
    }
  }

  private static long[] floatTensorShape(NodeInfo node, String file, String what) {
    if (!(node.getInfo() instanceof TensorInfo) || ((TensorInfo) node.getInfo()).type != OnnxJavaType.FLOAT) {
      throw new ConfigException("model", "ONNX model " + file + " " + what + " '" + node.getName() + "' is "
          + node.getInfo() + "; predict needs a float tensor");
    }
    return ((TensorInfo) node.getInfo()).getShape();
  }

  /**
   * A session for the model whose bytes have SHA-256 {@code digest}: the JVM's cached one, or a new
   * one from {@code bytes} (read only when no session is cached).
   */
  static Handle open(String digest, Supplier<byte[]> bytes) {
    checkNotNull(digest, "digest");
    synchronized (CACHE) {
      OrtSession cached = CACHE.get(digest);
      if (cached != null) {
        return new Handle(cached, false);
      }
      OrtSession session = create(bytes.get(), digest);
      if (CACHE.size() < CACHED) {
        CACHE.put(digest, session);
        return new Handle(session, false);
      }
      return new Handle(session, true);
    }
  }

  private static OrtSession create(byte[] model, String digest) {
    try (OrtSession.SessionOptions options = options()) {
      return OrtEnvironment.getEnvironment().createSession(model, options);
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime cannot load the model with SHA-256 " + digest
          + " in this executor although the driver loaded it: " + e.getMessage(), e);
    }
  }

  private static OrtSession.SessionOptions options() throws OrtException {
    OrtSession.SessionOptions options = new OrtSession.SessionOptions();
    options.setIntraOpNumThreads(1);
    options.setInterOpNumThreads(1);
    return options;
  }

  /** A session as a partition uses it; closing it closes the session only when it is not cached. */
  static final class Handle implements AutoCloseable {

    private final OrtSession session;
    private final boolean owned;
    private boolean closed;

    private Handle(OrtSession session, boolean owned) {
      this.session = session;
      this.owned = owned;
    }

    /**
     * Runs the model on one batch.
     *
     * @param batch the batch's values, row after row
     * @param shape the batch's shape, {@code [rows, sample...]}
     * @return the output's values, row after row
     */
    float[] run(OnnxSignature signature, float[] batch, long[] shape) {
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      try (OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(batch), shape);
          OrtSession.Result result = session.run(Map.of(signature.inputName(), in))) {
        OnnxValue value = result.get(signature.outputName()).orElseThrow(() -> new IllegalStateException(
            "ONNX Runtime returned no output '" + signature.outputName() + "'"));
        FloatBuffer out = ((OnnxTensor) value).getFloatBuffer();
        float[] values = new float[out.remaining()];
        out.get(values);
        return values;
      } catch (OrtException e) {
        throw new IllegalStateException("ONNX Runtime failed on a batch of shape " + Arrays.toString(shape) + ": "
            + e.getMessage(), e);
      }
    }

    /** Closes an uncached session once; a second call (the task's completion listener) does nothing. */
    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (owned) {
        try {
          session.close();
        } catch (OrtException e) {
          throw new IllegalStateException("ONNX Runtime could not close a session: " + e.getMessage(), e);
        }
      }
    }
  }
}
