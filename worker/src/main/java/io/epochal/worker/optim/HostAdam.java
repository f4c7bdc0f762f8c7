package io.epochal.worker.optim;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * Adam's plain (non-fused) update computed by the JVM directly in the memory of CPU arrays: two
 * passes over weight, gradient and moments and one engine call ({@code sqrt}) instead of some
 * fifteen engine calls per parameter, each of which walks the whole array. The PyTorch engine hands
 * out a CPU array's memory as a direct buffer ({@link NDArray#toByteBuffer(boolean)
 * toByteBuffer(true)}); the loops copy blocks of {@link #BLOCK} elements into Java arrays, update
 * them and write weight and moments back.
 *
 * <h2>Same bits as the array operations</h2>
 *
 * <p>Every element goes through exactly the float32 operations of {@code Adam.plainUpdate}, in the
 * same order, each rounded once: products and quotients of an array and a float scalar, sums and
 * {@code max} for amsgrad. The engine's CPU kernels round each of these operations once as well
 * (IEEE 754, no fused multiply-add for a product followed by a separate sum), and Java float
 * arithmetic is strict. The square root is the exception: the engine's float32 {@code sqrt} is not
 * always the correctly rounded one (about one element in six differs from Java's by one ulp on this
 * engine build), so the engine computes it here too, on the whole array as the array path does.
 * Both paths therefore give identical bits; a test compares them over many steps for every option.
 *
 * <h2>When it runs</h2>
 *
 * <p>Only for PyTorch arrays on the CPU whose direct buffer is a view of the array rather than a
 * contiguous copy: {@link #writableView} checks that once per weight by writing through one buffer
 * and reading through another. Arrays on other devices take the array-operation path. The
 * gradient is only read: a non-contiguous one (which torch's autograd does not produce for a
 * contiguous weight) would be read from a contiguous copy that the engine attaches to the
 * gradient's manager. Writing the memory directly does not bump the weight's autograd version counter, which is irrelevant to an
 * optimizer step (torch's {@code no_grad} step leaves no graph that reads the old weights).
 */
final class HostAdam {

  /** Elements per block: the five blocks of float32 stay in a core's L1 and L2 caches. */
  static final int BLOCK = 2048;

  private final float[] w = new float[BLOCK];
  private final float[] g = new float[BLOCK];
  private final float[] m = new float[BLOCK];
  private final float[] v = new float[BLOCK];
  private final float[] vmax = new float[BLOCK];

  /** The per-step float32 constants of one update, cast from double exactly as the array path does. */
  record Coefficients(float beta1, float oneMinusBeta1, float beta2, float oneMinusBeta2, float decay,
      boolean decoupled, float biasCorrection2Sqrt, float eps, float stepSize) {}

  /**
   * Whether {@code arrays} can be updated here: all PyTorch arrays on the CPU.
   *
   * @param arrays weight, gradient and moment arrays of one parameter
   */
  static boolean applies(NDArray... arrays) {
    for (NDArray a : arrays) {
      if (!(a instanceof PtNDArray) || !Device.cpu().equals(a.getDevice())) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether writing into {@code array}'s direct buffer changes the array, i.e. the engine hands out
   * a view of its memory (a contiguous array) and not a copy. A non-contiguous array leaves two
   * copies in its manager, freed with it; the caller then uses the array path for that parameter.
   */
  static boolean writableView(NDArray array) {
    if (array.size() == 0) {
      return true;
    }
    ByteBuffer first = array.toByteBuffer(true);
    ByteBuffer second = array.toByteBuffer(true);
    if (!first.isDirect() || !second.isDirect()) {
      return false;
    }
    int old = first.getInt(0);
    first.putInt(0, ~old);
    boolean shared = second.getInt(0) == ~old;
    first.putInt(0, old);
    return shared;
  }

  /**
   * One Adam update of {@code weight} and the moments in place: a JVM pass for the moments, the
   * engine's {@code sqrt} of the second moment (see the class comment), a JVM pass for the weight.
   *
   * @param maxExpAvgSq the amsgrad running maximum, or {@code null} without amsgrad
   */
  void update(NDArray weight, NDArray grad, NDArray expAvg, NDArray expAvgSq, NDArray maxExpAvgSq,
      Coefficients c) {
    int n = Math.toIntExact(weight.size());
    if (n == 0) {
      return;
    }
    FloatBuffer wb = floats(weight);
    FloatBuffer gb = floats(grad);
    FloatBuffer mb = floats(expAvg);
    FloatBuffer vb = floats(expAvgSq);
    FloatBuffer xb = maxExpAvgSq == null ? null : floats(maxExpAvgSq);
    boolean l2 = c.decay() != 0 && !c.decoupled();
    for (int off = 0; off < n; off += BLOCK) {
      int len = Math.min(BLOCK, n - off);
      gb.get(off, g, 0, len);
      mb.get(off, m, 0, len);
      vb.get(off, v, 0, len);
      if (l2) {
        wb.get(off, w, 0, len);
      }
      if (xb != null) {
        xb.get(off, vmax, 0, len);
      }
      moments(len, c, l2, xb != null);
      mb.put(off, m, 0, len);
      vb.put(off, v, 0, len);
      if (xb != null) {
        xb.put(off, vmax, 0, len);
      }
    }
    try (NDArray root = (maxExpAvgSq == null ? expAvgSq : maxExpAvgSq).sqrt()) {
      FloatBuffer rb = floats(root);
      for (int off = 0; off < n; off += BLOCK) {
        int len = Math.min(BLOCK, n - off);
        wb.get(off, w, 0, len);
        mb.get(off, m, 0, len);
        rb.get(off, v, 0, len);
        weights(len, c);
        wb.put(off, w, 0, len);
      }
    }
  }

  private static FloatBuffer floats(NDArray array) {
    return array.toByteBuffer(true).asFloatBuffer();
  }

  /** The moments of one block; the comments name the array operation each line mirrors. */
  private void moments(int len, Coefficients c, boolean l2, boolean amsgrad) {
    float b1 = c.beta1();
    float c1 = c.oneMinusBeta1();
    float b2 = c.beta2();
    float c2 = c.oneMinusBeta2();
    if (l2) {
      float decay = c.decay();
      for (int i = 0; i < len; i++) {
        g[i] = w[i] * decay + g[i]; // copy(w).muli(wd).addi(g)
      }
    }
    for (int i = 0; i < len; i++) {
      float gi = g[i];
      m[i] = m[i] * b1 + gi * c1; // m.muli(beta1); m.addi(copy(g).muli(1 - beta1))
      v[i] = v[i] * b2 + gi * gi * c2; // v.muli(beta2); v.addi(copy(g).muli(g).muli(1 - beta2))
    }
    if (amsgrad) {
      for (int i = 0; i < len; i++) {
        vmax[i] = Math.max(vmax[i], v[i]); // max.maximum(v)
      }
    }
  }

  /** The weights of one block, given the square root of the second moment in {@code v}. */
  private void weights(int len, Coefficients c) {
    float bc2 = c.biasCorrection2Sqrt();
    float eps = c.eps();
    float step = c.stepSize();
    if (c.decoupled() && c.decay() != 1f) {
      // the factor is 1 - lr * wd: 1 leaves the weights as they are, and 0 (lr * wd == 1) zeroes
      // them, as torch's w.mul_(1 - lr * wd) does
      float decay = c.decay();
      for (int i = 0; i < len; i++) {
        w[i] = w[i] * decay; // w.muli(1 - lr * wd), which the array path runs first
      }
    }
    for (int i = 0; i < len; i++) {
      float denom = v[i] / bc2 + eps; // sqrt(v).divi(bc2Sqrt).addi(eps)
      w[i] = w[i] - m[i] / denom * step; // w.subi(copy(m).divi(denom).muli(lr / bc1))
    }
  }
}
