package io.epochal.worker.optim;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.epochal.params.HyperParameters;
import java.util.ArrayList;
import java.util.List;

/**
 * RMSprop with the equations of {@code torch.optim.RMSprop} (without {@code maximize}). For each
 * parameter with gradient {@code g}, weight {@code w} and learning rate {@code lr}:
 *
 * <pre>
 * g = g + weight_decay * w                                 (if weight_decay != 0)
 * square_avg = alpha * square_avg + (1 - alpha) * g * g
 * if centered:
 *   grad_avg = alpha * grad_avg + (1 - alpha) * g
 *   avg = sqrt(square_avg - grad_avg * grad_avg) + eps
 * else:
 *   avg = sqrt(square_avg) + eps
 * if momentum > 0:
 *   momentum_buffer = momentum * momentum_buffer + g / avg
 *   w -= lr * momentum_buffer
 * else:
 *   w -= lr * g / avg
 * </pre>
 *
 * <p>Every buffer starts at zero, as torch's do. State, named like torch's per-parameter state:
 * {@code <param>.step} (torch keeps the count though the equations do not read it),
 * {@code <param>.square_avg}, with momentum {@code <param>.momentum_buffer}, and when centered
 * {@code <param>.grad_avg}. The operations are torch's, in its order: {@code addcmul_} as
 * {@code (value * g) * g}, {@code addcdiv_} as {@code (value * g) / avg}, every scalar cast to
 * float32; no step allocates a parameter-sized array but {@code sqrt}'s result.
 */
public final class RmsProp extends AbstractOptimizer {

  /** The state suffix of the running mean of squared gradients. */
  public static final String SQUARE_AVG = "square_avg";
  /** The state suffix of the momentum buffer (momentum &gt; 0). */
  public static final String MOMENTUM_BUFFER = "momentum_buffer";
  /** The state suffix of the running mean of gradients (centered). */
  public static final String GRAD_AVG = "grad_avg";

  private final double alpha;
  private final double eps;
  private final double weightDecay;
  private final double momentum;
  private final boolean centered;

  private RmsProp(Builder b, HyperParameters hp) {
    super("rmsprop", hp, b.manager, true, bufferNames(b.momentum, b.centered), b.groups);
    this.alpha = b.alpha;
    this.eps = b.eps;
    this.weightDecay = b.weightDecay;
    this.momentum = b.momentum;
    this.centered = b.centered;
  }

  private static List<String> bufferNames(double momentum, boolean centered) {
    List<String> names = new ArrayList<>(List.of(SQUARE_AVG));
    if (momentum > 0) {
      names.add(MOMENTUM_BUFFER);
    }
    if (centered) {
      names.add(GRAD_AVG);
    }
    return names;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  double configuredMomentum() {
    return momentum;
  }

  @Override
  boolean takesStepMomentum() {
    return momentum > 0;
  }

  @Override
  void update(ParamSlot p, ParamState st, double lr, double momentum, boolean decays, boolean fresh) {
    NDArray w = p.weight();
    if (fresh) {
      st.put(SQUARE_AVG, zerosLike(w));
      if (this.momentum > 0) {
        st.put(MOMENTUM_BUFFER, zerosLike(w));
      }
      if (centered) {
        st.put(GRAD_AVG, zerosLike(w));
      }
    }
    Workspace ws = workspace();
    NDArray scratch = ws.scratch(w, 0);
    NDArray g = p.grad();
    if (decays && weightDecay != 0) {
      // g + weight_decay * w, kept in the second scratch array for the rest of the update
      NDArray decayed = ws.scratch(w, 1);
      Workspace.copy(w, decayed).muli(ws.scalar((float) weightDecay)).addi(g);
      g = decayed;
    }
    float rest = (float) (1 - alpha);
    NDArray squareAvg = st.get(SQUARE_AVG);
    squareAvg.muli(ws.scalar((float) alpha)).addi(Workspace.copy(g, scratch).muli(ws.scalar(rest)).muli(g));
    NDArray avg;
    if (centered) {
      NDArray gradAvg = st.get(GRAD_AVG);
      gradAvg.muli(ws.scalar((float) alpha)).addi(Workspace.copy(g, scratch).muli(ws.scalar(rest)));
      // square_avg + (-1 * grad_avg) * grad_avg, torch's addcmul(value=-1); the negation is exact
      NDArray variance = Workspace.copy(gradAvg, scratch).muli(gradAvg).negi().addi(squareAvg);
      avg = variance.sqrt();
    } else {
      avg = squareAvg.sqrt();
    }
    try (NDArray denominator = avg) {
      denominator.addi(ws.scalar((float) eps));
      if (this.momentum > 0) {
        NDArray buf = st.get(MOMENTUM_BUFFER);
        buf.muli(ws.scalar((float) momentum)).addi(Workspace.copy(g, scratch).divi(denominator));
        w.subi(Workspace.copy(buf, scratch).muli(ws.scalar((float) lr)));
      } else {
        // w + ((-lr) * g) / avg, torch's addcdiv_(value=-lr), is w - (lr * g) / avg exactly
        w.subi(Workspace.copy(g, scratch).muli(ws.scalar((float) lr)).divi(denominator));
      }
    }
  }

  /** Builds an {@link RmsProp}: {@code setManager} is required, every {@code opt*} has torch's default. */
  public static final class Builder {
    private NDManager manager;
    private ParamGroups groups = ParamGroups.NONE;
    private double alpha = 0.99;
    private double eps = 1e-8;
    private double weightDecay;
    private double momentum;
    private boolean centered;
    private HyperParameters recorded;

    private Builder() {}

    /** The full resolved set {@link Optimizers} created this from, reported by hyperParameters(). */
    Builder recordHyperParameters(HyperParameters resolved) {
      this.recorded = resolved;
      return this;
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

    /** Smoothing constant of the running means, in [0, 1]; default 0.99. */
    public Builder optAlpha(double alpha) {
      this.alpha = alpha;
      return this;
    }

    /** Term added to the denominator, {@code >= 0}; default 1e-8. */
    public Builder optEps(double eps) {
      this.eps = eps;
      return this;
    }

    /** L2 penalty added to the gradient, {@code >= 0}; default 0. */
    public Builder optWeightDecay(double weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    /** Momentum factor, {@code >= 0}; default 0 (no momentum buffer). */
    public Builder optMomentum(double momentum) {
      this.momentum = momentum;
      return this;
    }

    /** Whether the squared gradients' mean is centered by the gradients' mean; default false. */
    public Builder optCentered(boolean centered) {
      this.centered = centered;
      return this;
    }

    /**
     * The optimizer.
     *
     * @throws IllegalArgumentException naming a value out of range
     */
    public RmsProp build() {
      checkNotNull(manager, "manager is required: call setManager");
      checkValues();
      HyperParameters hp = recorded != null ? recorded : HyperParameters.builder()
          .put("alpha", alpha).put("eps", eps).put("weight_decay", weightDecay).put("momentum", momentum)
          .put("centered", centered).build();
      return new RmsProp(this, hp);
    }

    /** Checks the values as {@link #build} does, without a manager (for validating a spec). */
    void checkValues() {
      checkArgument(alpha >= 0 && alpha <= 1, "rmsprop alpha = %s must be in [0, 1]", alpha);
      checkArgument(eps >= 0 && Double.isFinite(eps), "rmsprop eps = %s must be finite and >= 0", eps);
      checkArgument(weightDecay >= 0 && Double.isFinite(weightDecay),
          "rmsprop weight_decay = %s must be finite and >= 0", weightDecay);
      checkArgument(momentum >= 0 && Double.isFinite(momentum), "rmsprop momentum = %s must be finite and >= 0",
          momentum);
    }
  }
}
