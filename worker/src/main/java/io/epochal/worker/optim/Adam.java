package io.epochal.worker.optim;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.epochal.params.HyperParameters;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Adam and AdamW with the equations of {@code torch.optim.Adam} and {@code torch.optim.AdamW}
 * (without {@code maximize}; torch fuses some float32 multiply-adds done here in two operations, so
 * results may differ in the last bits). For each parameter with gradient {@code g}, weight
 * {@code w}, learning rate {@code lr} and step count {@code t} (1 on the first update):
 *
 * <pre>
 * w *= 1 - lr * weight_decay                     (AdamW: decoupled decay)
 * g  = g + weight_decay * w                      (Adam: L2 penalty)
 * m  = beta1 * m + (1 - beta1) * g               exp_avg
 * v  = beta2 * v + (1 - beta2) * g^2             exp_avg_sq
 * vmax = max(vmax, v); use vmax for v            (amsgrad: max_exp_avg_sq)
 * w -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * <p>State: {@code <param>.step}, {@code <param>.exp_avg}, {@code <param>.exp_avg_sq} and, with
 * amsgrad, {@code <param>.max_exp_avg_sq}. Without amsgrad the PyTorch engine's fused
 * {@code adamUpdate} kernel runs the update: it computes {@code w -= lrArg * m / (sqrt(v) +
 * epsArg)}, which is the equation above for {@code lrArg = lr * sqrt(1 - beta2^t) / (1 - beta1^t)}
 * and {@code epsArg = eps * sqrt(1 - beta2^t)}. With amsgrad, plain array operations do. The plain
 * operations run in place on reusable scratch arrays and cached scalars ({@link Workspace}): a step
 * allocates one parameter-sized array per parameter ({@code sqrt}'s result) and takes about as long
 * as the fused kernel, which allocates five. For PyTorch arrays on the CPU the same float32
 * operations run as a JVM loop over the arrays' memory instead ({@code HostAdam}: two passes and
 * the engine's {@code sqrt} per parameter), which gives the same bits in about 60 % of the time of
 * the array operations on an 85 k-parameter MLP and is faster than the fused kernel; arrays on
 * other devices keep the array operations.
 *
 * <h2>When the fused kernel is used</h2>
 *
 * <p>The kernel receives the betas as float32 and forms {@code 1 - beta} in float32, whereas torch
 * forms it in double and rounds once. For {@code beta2 = 0.999} this makes the kernel's
 * coefficient {@code 1 - 0.999f = 0.00099998713} instead of {@code 0.001}, so {@code exp_avg_sq}
 * comes out 1.3e-5 (relative) below torch's and the update about 6e-6 (relative) larger. In
 * general the gap is up to {@code ulp(beta) / (1 - beta)}. {@link FusedKernel#AUTO} (the default)
 * therefore uses the kernel only when both gaps are at most 1e-6, which keeps every value within
 * 1e-6 of torch's equations (e.g. {@code beta1 = 0.9, beta2 = 0.95}), and only for arrays the
 * exact CPU host loop ({@code HostAdam}) cannot update; {@link FusedKernel#ALWAYS} accepts the gap
 * for speed; {@link FusedKernel#NEVER} never uses the kernel.
 */
public final class Adam extends AbstractOptimizer {

  /** State suffix of the first moment. */
  public static final String EXP_AVG = "exp_avg";
  /** State suffix of the second moment. */
  public static final String EXP_AVG_SQ = "exp_avg_sq";
  /** State suffix of the running maximum of the second moment (amsgrad). */
  public static final String MAX_EXP_AVG_SQ = "max_exp_avg_sq";

  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final boolean amsgrad;
  private final boolean decoupled;
  private final boolean fused;
  private final boolean hostLoop;
  private final FusedKernel kernel;
  private final Map<String, ViewCheck> viewChecks = new HashMap<>();
  private HostAdam host;
  private long hostUpdates;

  private Adam(Builder b, HyperParameters hp) {
    super(b.decoupled ? "adamw" : "adam", hp, b.manager, true,
        b.amsgrad ? List.of(EXP_AVG, EXP_AVG_SQ, MAX_EXP_AVG_SQ) : List.of(EXP_AVG, EXP_AVG_SQ), b.groups);
    this.beta1 = b.beta1;
    this.beta2 = b.beta2;
    this.eps = b.eps;
    this.weightDecay = b.weightDecay;
    this.amsgrad = b.amsgrad;
    this.decoupled = b.decoupled;
    this.fused = !b.amsgrad && (b.fusedKernel == FusedKernel.ALWAYS
        || (b.fusedKernel == FusedKernel.AUTO && fusedIsExact(b.beta1, b.beta2)));
    this.hostLoop = b.hostLoop;
    this.kernel = b.fusedKernel;
  }

  /** Whether the state arrays of a parameter were last found to be views for {@link HostAdam}. */
  private record ViewCheck(NDArray weight, NDArray expAvg, boolean views) {}

  /** When the engine's fused Adam kernel may run the update. */
  public enum FusedKernel {
    /** For arrays off the CPU, when it matches torch's equations within 1e-6 relative (see the class comment). */
    AUTO,
    /** Whenever amsgrad is off, accepting the float32 rounding of {@code 1 - beta}. */
    ALWAYS,
    /** Never: the host loop on the CPU, plain array operations elsewhere. */
    NEVER
  }

  /** Relative gap allowed between the kernel's float32 {@code 1 - beta} and torch's. */
  static final double FUSED_TOLERANCE = 1e-6;

  /**
   * Whether the fused kernel's coefficients {@code 1 - (float) beta} are within
   * {@link #FUSED_TOLERANCE} of torch's {@code (float) (1 - beta)} for both betas.
   */
  public static boolean fusedIsExact(double beta1, double beta2) {
    return coefficientGap(beta1) <= FUSED_TOLERANCE && coefficientGap(beta2) <= FUSED_TOLERANCE;
  }

  private static double coefficientGap(double beta) {
    float kernel = 1f - (float) beta;
    float torch = (float) (1 - beta);
    return torch == 0 ? (kernel == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.abs((double) kernel - torch) / torch;
  }

  /** A builder for Adam (L2 weight decay). */
  public static Builder builder() {
    return new Builder(false);
  }

  /** A builder for AdamW (decoupled weight decay, default 0.01 as in torch). */
  public static Builder adamWBuilder() {
    return new Builder(true).optWeightDecay(0.01);
  }

  /**
   * Whether the engine's fused kernel is enabled: with {@link FusedKernel#ALWAYS} it runs every
   * update; with {@link FusedKernel#AUTO} it runs the updates that the exact host loop cannot take
   * (arrays off the CPU), since on the CPU that loop is both exact and faster.
   */
  public boolean isFused() {
    return fused;
  }

  @Override
  double configuredMomentum() {
    return beta1;
  }

  @Override
  void update(ParamSlot p, ParamState st, double lr, double beta1, boolean decays, boolean fresh) {
    double decay = decays ? weightDecay : 0;
    if (fresh) {
      st.put(EXP_AVG, zerosLike(p.weight()));
      st.put(EXP_AVG_SQ, zerosLike(p.weight()));
      if (amsgrad) {
        st.put(MAX_EXP_AVG_SQ, zerosLike(p.weight()));
      }
    }
    long t = st.step();
    double biasCorrection1 = 1 - Math.pow(beta1, t);
    double biasCorrection2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
    // a beta1 of the step's own (a cycled momentum) may be one the kernel would round too far
    boolean fused = this.fused && (beta1 == this.beta1 || kernel == FusedKernel.ALWAYS
        || fusedIsExact(beta1, beta2));
    boolean onHost = !(fused && kernel == FusedKernel.ALWAYS) && runsOnHost(p, st);
    if (fused && !onHost) {
      NDArray w = p.weight();
      float lrArg = (float) (lr * biasCorrection2Sqrt / biasCorrection1);
      float epsArg = (float) (eps * biasCorrection2Sqrt);
      w.getNDArrayInternal().adamUpdate(new NDList(w, p.grad(), st.get(EXP_AVG), st.get(EXP_AVG_SQ)),
          new NDList(gradSink()), (float) lr, lrArg, (float) decay, 1f, -1f, (float) beta1,
          (float) beta2, epsArg, false, decoupled);
    } else if (onHost) {
      hostUpdates++;
      host().update(p.weight(), p.grad(), st.get(EXP_AVG), st.get(EXP_AVG_SQ), st.get(MAX_EXP_AVG_SQ),
          new HostAdam.Coefficients((float) beta1, (float) (1 - beta1), (float) beta2, (float) (1 - beta2),
              (float) (decoupled ? 1 - lr * decay : decay), decoupled, (float) biasCorrection2Sqrt,
              (float) eps, (float) (lr / biasCorrection1)));
    } else {
      plainUpdate(p, st, lr, beta1, decay, biasCorrection1, biasCorrection2Sqrt);
    }
  }

  /**
   * Whether {@link HostAdam} updates this parameter: PyTorch CPU arrays whose memory it can write
   * (checked once per weight and state arrays, which keep their identity across steps).
   */
  private boolean runsOnHost(ParamSlot p, ParamState st) {
    NDArray w = p.weight();
    NDArray m = st.get(EXP_AVG);
    NDArray v = st.get(EXP_AVG_SQ);
    NDArray max = st.get(MAX_EXP_AVG_SQ);
    if (!hostLoop || !HostAdam.applies(w, p.grad(), m, v) || (max != null && !HostAdam.applies(max))) {
      return false;
    }
    ViewCheck check = viewChecks.get(p.name());
    if (check == null || check.weight() != w || check.expAvg() != m) {
      check = new ViewCheck(w, m, HostAdam.writableView(w) && HostAdam.writableView(m)
          && HostAdam.writableView(v) && (max == null || HostAdam.writableView(max)));
      viewChecks.put(p.name(), check);
    }
    return check.views();
  }

  /** Parameter updates {@link HostAdam} has run so far. */
  long hostUpdates() {
    return hostUpdates;
  }

  private HostAdam host() {
    if (host == null) {
      host = new HostAdam();
    }
    return host;
  }

  /**
   * Torch's equations on plain array operations, in place. The operations and their order are
   * those of the textbook form (every product of an array and a scalar uses the scalar cast to
   * float, as torch does), but no step allocates a parameter-sized array except {@code sqrt}'s
   * result: temporaries live in {@link Workspace}'s scratch arrays, filled by copying.
   */
  private void plainUpdate(ParamSlot p, ParamState st, double lr, double beta1, double decay, double bc1,
      double bc2Sqrt) {
    NDArray w = p.weight();
    NDArray m = st.get(EXP_AVG);
    NDArray v = st.get(EXP_AVG_SQ);
    Workspace ws = workspace();
    NDArray scratch = ws.scratch(w, 0);
    NDArray g = p.grad();
    if (decay != 0) {
      if (decoupled) {
        w.muli(ws.scalar((float) (1 - lr * decay)));
      } else {
        // g + weight_decay * w, kept in a second scratch array for the rest of the update
        NDArray decayed = ws.scratch(w, 1);
        Workspace.copy(w, decayed).muli(ws.scalar((float) decay)).addi(g);
        g = decayed;
      }
    }
    // m = beta1 * m + (1 - beta1) * g
    m.muli(ws.scalar((float) beta1));
    m.addi(Workspace.copy(g, scratch).muli(ws.scalar((float) (1 - beta1))));
    // v = beta2 * v + (1 - beta2) * g * g
    v.muli(ws.scalar((float) beta2));
    v.addi(Workspace.copy(g, scratch).muli(g).muli(ws.scalar((float) (1 - beta2))));
    NDArray second = v;
    if (amsgrad) {
      NDArray max = st.get(MAX_EXP_AVG_SQ);
      max.intern(max.maximum(v));
      second = max;
    }
    // w -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps)
    try (NDArray denom = second.sqrt()) {
      denom.divi(ws.scalar((float) bc2Sqrt)).addi(ws.scalar((float) eps));
      w.subi(Workspace.copy(m, scratch).divi(denom).muli(ws.scalar((float) (lr / bc1))));
    }
  }

  /** Builds an {@link Adam}: {@code setManager} is required, every {@code opt*} has torch's default. */
  public static final class Builder {
    private final boolean decoupled;
    private NDManager manager;
    private ParamGroups groups = ParamGroups.NONE;
    private double beta1 = 0.9;
    private double beta2 = 0.999;
    private double eps = 1e-8;
    private double weightDecay;
    private boolean amsgrad;
    private FusedKernel fusedKernel = FusedKernel.AUTO;
    private boolean hostLoop = true;
    private HyperParameters recorded;

    private Builder(boolean decoupled) {
      this.decoupled = decoupled;
    }

    /** The manager whose sub-manager holds the state (and whose device it lives on). */
    public Builder setManager(NDManager manager) {
      this.manager = manager;
      return this;
    }

    /** Each parameter's learning-rate scale and whether it is decayed (default: one group, as configured). */
    public Builder optParamGroups(ParamGroups groups) {
      this.groups = checkNotNull(groups, "groups");
      return this;
    }

    /** Decay of the first moment, in [0, 1); default 0.9. */
    public Builder optBeta1(double beta1) {
      this.beta1 = beta1;
      return this;
    }

    /** Decay of the second moment, in [0, 1); default 0.999. */
    public Builder optBeta2(double beta2) {
      this.beta2 = beta2;
      return this;
    }

    /** Term added to the denominator, {@code >= 0}; default 1e-8. */
    public Builder optEps(double eps) {
      this.eps = eps;
      return this;
    }

    /** L2 penalty (Adam) or decoupled decay (AdamW), {@code >= 0}; default 0 (Adam), 0.01 (AdamW). */
    public Builder optWeightDecay(double weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    /** Use the maximum of past second moments (AMSGrad); default false. */
    public Builder optAmsgrad(boolean amsgrad) {
      this.amsgrad = amsgrad;
      return this;
    }

    /**
     * When the engine's fused kernel runs the update; default {@link FusedKernel#AUTO}. Without
     * amsgrad only; {@link FusedKernel#NEVER} also serves engines without the kernel.
     */
    public Builder optFusedKernel(FusedKernel fusedKernel) {
      this.fusedKernel = checkNotNull(fusedKernel, "fusedKernel");
      return this;
    }

    /**
     * Whether the plain update of CPU arrays runs as a JVM loop ({@link HostAdam}, the default) or
     * as array operations, which give the same bits; tests compare the two.
     */
    Builder hostLoop(boolean hostLoop) {
      this.hostLoop = hostLoop;
      return this;
    }

    /** The full resolved set {@link Optimizers} created this from, reported by hyperParameters(). */
    Builder recordHyperParameters(HyperParameters resolved) {
      this.recorded = resolved;
      return this;
    }

    /**
     * The optimizer.
     *
     * @throws IllegalArgumentException naming a value out of range
     */
    public Adam build() {
      checkNotNull(manager, "manager is required: call setManager");
      checkValues();
      HyperParameters hp = recorded != null ? recorded : HyperParameters.builder()
          .put("beta1", beta1).put("beta2", beta2).put("eps", eps).put("weight_decay", weightDecay)
          .put("amsgrad", amsgrad).build();
      return new Adam(this, hp);
    }

    /** Checks the values as {@link #build} does, without a manager (for validating a spec). */
    void checkValues() {
      String n = decoupled ? "adamw" : "adam";
      checkArgument(beta1 >= 0 && beta1 < 1, "%s beta1 = %s must be in [0, 1)", n, beta1);
      checkArgument(beta2 >= 0 && beta2 < 1, "%s beta2 = %s must be in [0, 1)", n, beta2);
      checkArgument(eps >= 0 && Double.isFinite(eps), "%s eps = %s must be finite and >= 0", n, eps);
      checkArgument(weightDecay >= 0 && Double.isFinite(weightDecay),
          "%s weight_decay = %s must be finite and >= 0", n, weightDecay);
    }
  }
}
