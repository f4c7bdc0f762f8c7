package io.epochal.worker.optim;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Drives an {@link Optimizer} and a {@link TorchReference} side by side on two parameters
 * ({@code net.0.weight} [2, 3] and {@code net.0.bias} [4]) with a varying learning rate and
 * gradients that depend on the current weights, comparing weights and state after every step.
 */
final class OptimizerRun {

  static final String[] NAMES = {"net.0.weight", "net.0.bias"};
  static final long[][] SHAPES = {{2, 3}, {4}};
  static final double REL = 1e-6;

  private final NDManager manager;
  final NDArray[] weights = new NDArray[2];
  final double[][] expected = new double[2][];

  OptimizerRun(NDManager manager) {
    this.manager = manager;
    for (int p = 0; p < 2; p++) {
      int n = (int) new Shape(SHAPES[p]).size();
      float[] w = new float[n];
      expected[p] = new double[n];
      for (int i = 0; i < n; i++) {
        int sign = (i + p) % 2 == 0 ? 1 : -1;
        w[i] = (float) (sign * (0.8 + 0.15 * i + 0.3 * p));
        expected[p][i] = w[i];
      }
      weights[p] = manager.create(w, new Shape(SHAPES[p]));
    }
  }

  /** The learning rate of 0-based step {@code t}: changes every step, as under a schedule. */
  static double lr(double base, int t) {
    return base * (1 + 0.1 * t);
  }

  /** A gradient of constant sign per element (so moments never cross zero) that depends on w. */
  static float[] gradient(float[] w, int t, int p) {
    float[] g = new float[w.length];
    for (int i = 0; i < w.length; i++) {
      int sign = (i + p) % 2 == 0 ? 1 : -1;
      g[i] = (float) (sign * (0.6 + 0.3 * Math.sin(0.9 * t + 1.7 * i + p)) + 0.05 * w[i]);
    }
    return g;
  }

  /** The current gradients as slots for {@code opt.step}. */
  List<ParamSlot> slots(int t) {
    List<ParamSlot> slots = new ArrayList<>();
    for (int p = 0; p < 2; p++) {
      float[] g = gradient(weights[p].toFloatArray(), t, p);
      slots.add(ParamSlot.of(NAMES[p], weights[p], manager.create(g, new Shape(SHAPES[p]))));
    }
    return slots;
  }

  /** Runs steps {@code from} (inclusive) to {@code to} on the optimizer only. */
  void run(Optimizer opt, double baseLr, int from, int to) {
    for (int t = from; t < to; t++) {
      List<ParamSlot> slots = slots(t);
      opt.step(slots, lr(baseLr, t));
      slots.forEach(s -> s.grad().close());
    }
  }

  /** Runs {@code steps} steps on both and checks weights and state after each. */
  void runAndCompare(Optimizer opt, TorchReference ref, double baseLr, int steps) {
    for (int t = 0; t < steps; t++) {
      List<ParamSlot> slots = slots(t);
      double lr = lr(baseLr, t);
      for (int p = 0; p < 2; p++) {
        float[] g = slots.get(p).grad().toFloatArray();
        double[] gd = new double[g.length];
        for (int i = 0; i < g.length; i++) {
          gd[i] = g[i];
        }
        ref.step(NAMES[p], expected[p], gd, lr);
      }
      opt.step(slots, lr);
      slots.forEach(s -> s.grad().close());
      for (int p = 0; p < 2; p++) {
        assertClose(weights[p].toFloatArray(), expected[p], "weight " + NAMES[p] + " after step " + t);
      }
      compareState(opt.stateDict(), ref, t);
    }
  }

  private static void compareState(StateDict sd, TorchReference ref, int t) {
    int count = 0;
    for (String name : NAMES) {
      Long step = ref.steps.get(name);
      if (step != null) {
        assertThat(sd.require(name + ".step").floatValue()).as("%s.step after step %s", name, t)
            .isEqualTo((float) (long) step);
        count++;
      }
      Map<String, double[]> st = ref.state.getOrDefault(name, Map.of());
      for (Map.Entry<String, double[]> e : st.entrySet()) {
        Tensor tensor = sd.require(name + "." + e.getKey());
        assertClose(tensor.toFloatArray(), e.getValue(), name + "." + e.getKey() + " after step " + t);
        count++;
      }
    }
    assertThat(sd.size()).as("state tensors after step %s: %s", t, sd.names()).isEqualTo(count);
  }

  /**
   * Holds {@code actual} to torch's values within 8 float32 ulps of each (of at least {@code magnitude}): torch's CPU
   * kernels may fuse a multiply and an add ({@code add_(alpha=...)}, {@code addcmul_}) into one rounding where the
   * engine's array operations round twice, so optimizer results are compared with torch's to a few ulps, not bit for
   * bit. A value that is the difference of larger operands is held to the operands' ulps ({@code magnitude}).
   */
  static void assertUlpsOf(double magnitude, float[] actual, double... torch) {
    assertThat(actual).hasSize(torch.length);
    for (int i = 0; i < torch.length; i++) {
      float expected = (float) torch[i];
      assertThat(Math.abs(actual[i] - expected)).as("[%s]: %s against torch's %s", i, actual[i], expected)
          .isLessThanOrEqualTo(8 * Math.ulp((float) Math.max(Math.abs(expected), magnitude)));
    }
  }

  /** {@link #assertUlpsOf} each value's own ulps. */
  static void assertUlps(float[] actual, double... torch) {
    assertUlpsOf(0, actual, torch);
  }

  static void assertClose(float[] actual, double[] expected, String what) {
    assertThat(actual).as(what).hasSize(expected.length);
    for (int i = 0; i < expected.length; i++) {
      double err = Math.abs(actual[i] - expected[i]);
      assertThat(err).as("%s [%s]: %s vs expected %s", what, i, actual[i], expected[i])
          .isLessThanOrEqualTo(REL * Math.abs(expected[i]));
    }
  }

  void close() {
    for (NDArray w : weights) {
      w.close();
    }
  }
}
