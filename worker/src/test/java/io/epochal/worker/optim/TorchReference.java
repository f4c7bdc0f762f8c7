package io.epochal.worker.optim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code torch.optim}'s documented update equations in plain Java doubles, one parameter at a
 * time, written independently of the implementation under test. State is keyed like torch's
 * per-parameter state ({@code step}, {@code exp_avg}, ...).
 */
abstract class TorchReference {

  final Map<String, Map<String, double[]>> state = new LinkedHashMap<>();
  final Map<String, Long> steps = new LinkedHashMap<>();

  /** Updates {@code w} in place. */
  abstract void step(String param, double[] w, double[] g, double lr);

  /** torch.optim.SGD. */
  static final class Sgd extends TorchReference {
    final double momentum;
    final double dampening;
    final boolean nesterov;
    final double weightDecay;

    Sgd(double momentum, double dampening, boolean nesterov, double weightDecay) {
      this.momentum = momentum;
      this.dampening = dampening;
      this.nesterov = nesterov;
      this.weightDecay = weightDecay;
    }

    @Override
    void step(String param, double[] w, double[] g, double lr) {
      Map<String, double[]> st = state.computeIfAbsent(param, k -> new LinkedHashMap<>());
      double[] buf = st.get("momentum_buffer");
      boolean first = buf == null;
      if (first && momentum != 0) {
        buf = new double[w.length];
        st.put("momentum_buffer", buf);
      }
      for (int i = 0; i < w.length; i++) {
        double d = g[i] + weightDecay * w[i];
        if (momentum != 0) {
          buf[i] = first ? d : momentum * buf[i] + (1 - dampening) * d;
          d = nesterov ? d + momentum * buf[i] : buf[i];
        }
        w[i] -= lr * d;
      }
      if (momentum == 0) {
        state.remove(param);
      }
    }
  }

  /** torch.optim.Adam ({@code decoupled = false}) and torch.optim.AdamW ({@code decoupled = true}). */
  static final class Adam extends TorchReference {
    final double beta1;
    final double beta2;
    final double eps;
    final double weightDecay;
    final boolean amsgrad;
    final boolean decoupled;

    Adam(double beta1, double beta2, double eps, double weightDecay, boolean amsgrad, boolean decoupled) {
      this.beta1 = beta1;
      this.beta2 = beta2;
      this.eps = eps;
      this.weightDecay = weightDecay;
      this.amsgrad = amsgrad;
      this.decoupled = decoupled;
    }

    @Override
    void step(String param, double[] w, double[] g, double lr) {
      Map<String, double[]> st = state.computeIfAbsent(param, k -> {
        Map<String, double[]> s = new LinkedHashMap<>();
        s.put("exp_avg", new double[w.length]);
        s.put("exp_avg_sq", new double[w.length]);
        if (amsgrad) {
          s.put("max_exp_avg_sq", new double[w.length]);
        }
        return s;
      });
      long t = steps.merge(param, 1L, Long::sum);
      double[] m = st.get("exp_avg");
      double[] v = st.get("exp_avg_sq");
      double[] vmax = st.get("max_exp_avg_sq");
      double bc1 = 1 - Math.pow(beta1, t);
      double bc2 = 1 - Math.pow(beta2, t);
      for (int i = 0; i < w.length; i++) {
        double gi = g[i];
        if (decoupled) {
          w[i] *= 1 - lr * weightDecay;
        } else {
          gi += weightDecay * w[i];
        }
        m[i] = beta1 * m[i] + (1 - beta1) * gi;
        v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
        double second = v[i];
        if (amsgrad) {
          vmax[i] = Math.max(vmax[i], v[i]);
          second = vmax[i];
        }
        double denom = Math.sqrt(second) / Math.sqrt(bc2) + eps;
        w[i] -= lr / bc1 * m[i] / denom;
      }
    }
  }

  /** torch.optim.RMSprop. */
  static final class RmsProp extends TorchReference {
    final double alpha;
    final double eps;
    final double weightDecay;
    final double momentum;
    final boolean centered;

    RmsProp(double alpha, double eps, double weightDecay, double momentum, boolean centered) {
      this.alpha = alpha;
      this.eps = eps;
      this.weightDecay = weightDecay;
      this.momentum = momentum;
      this.centered = centered;
    }

    @Override
    void step(String param, double[] w, double[] g, double lr) {
      Map<String, double[]> st = state.computeIfAbsent(param, k -> {
        Map<String, double[]> s = new LinkedHashMap<>();
        s.put("square_avg", new double[w.length]);
        if (momentum > 0) {
          s.put("momentum_buffer", new double[w.length]);
        }
        if (centered) {
          s.put("grad_avg", new double[w.length]);
        }
        return s;
      });
      steps.merge(param, 1L, Long::sum);
      double[] sq = st.get("square_avg");
      double[] buf = st.get("momentum_buffer");
      double[] ga = st.get("grad_avg");
      for (int i = 0; i < w.length; i++) {
        double gi = g[i] + weightDecay * w[i];
        sq[i] = alpha * sq[i] + (1 - alpha) * gi * gi;
        double avg;
        if (centered) {
          ga[i] = alpha * ga[i] + (1 - alpha) * gi;
          avg = Math.sqrt(sq[i] - ga[i] * ga[i]) + eps;
        } else {
          avg = Math.sqrt(sq[i]) + eps;
        }
        if (momentum > 0) {
          buf[i] = momentum * buf[i] + gi / avg;
          w[i] -= lr * buf[i];
        } else {
          w[i] -= lr * gi / avg;
        }
      }
    }
  }
}
