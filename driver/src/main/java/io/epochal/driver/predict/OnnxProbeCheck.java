package io.epochal.driver.predict;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.worker.probe.ProbeRecord;
import java.nio.FloatBuffer;
import java.util.Optional;

/**
 * Checks an exported ONNX model against the probe its checkpoint recorded: ONNX Runtime runs the
 * probe's input through the exported bytes, and the output must match the checkpoint's within a
 * tolerance. An ONNX translator (the built-in ones, or one's own model's) that leaves out or
 * misplaces a layer is refused here, before a file is written, instead of predicting wrong scores.
 * ONNX Runtime is optional at run time ({@code spark-submit} users add it as a package): without
 * it the check is not made, and the caller says so.
 */
public final class OnnxProbeCheck {

  private OnnxProbeCheck() {}

  /** Whether ONNX Runtime is on the class path. */
  public static boolean available() {
    try {
      Class.forName("ai.onnxruntime.OrtEnvironment", false, OnnxProbeCheck.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /**
   * Why the ONNX model {@code onnx} (input {@code input}, output {@code output}) does not reproduce
   * {@code probe} within {@code tolerance}, or empty when it does. Call
   * only when {@link #available()}.
   */
  public static Optional<String> mismatch(byte[] onnx, String input, String output, ProbeRecord probe,
      io.epochal.worker.probe.Tolerance tolerance) {
    checkNotNull(probe, "probe");
    checkNotNull(tolerance, "tolerance");
    float[] expected = values(probe.output().asFloatBuffer());
    // ONNX Runtime is touched in OnnxSessions alone: this class loads without it, for available() to be asked
    OnnxSessions.ProbeRun run = OnnxSessions.runProbe(onnx, input, output, probe.input().asFloatBuffer(),
        probe.input().shape());
    if (run.failure() != null) {
      return Optional.of(run.failure());
    }
    float[] actual = run.output();
    if (actual.length != expected.length) {
      return Optional.of("its output on the probe has " + actual.length + " values where the checkpoint "
          + "recorded " + expected.length);
    }
    double max = 0;
    int at = -1;
    for (int i = 0; i < actual.length; i++) {
      double d = Math.abs((double) actual[i] - expected[i]);
      if (!tolerance.accepts(expected[i], actual[i]) && (at < 0 || Double.isNaN(d) || d > max)) {
        max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : d;
        at = i;
      }
    }
    return at < 0 ? Optional.empty() : Optional.of(String.format(java.util.Locale.ROOT,
        "its output on the checkpoint's probe differs from the output the checkpoint recorded by up to %.3g "
            + "(value %d: %s against %s; allowed: %s)", max, at, actual[at], expected[at],
        tolerance.describe()));
  }

  static float[] values(FloatBuffer b) {
    float[] v = new float[b.remaining()];
    b.duplicate().get(v);
    return v;
  }
}
