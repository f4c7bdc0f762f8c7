package io.epochal.worker.optim;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.epochal.params.HyperParameters;
import java.util.List;

/**
 * Stochastic gradient descent with the equations of {@code torch.optim.SGD} (without
 * {@code maximize}; torch fuses the multiply-add of {@code add_(alpha=...)}, so results may differ
 * in the last bits). For each parameter with gradient {@code g}, weight {@code w} and learning
 * rate {@code lr}:
 *
 * <pre>
 * d = g + weight_decay * w                       (if weight_decay != 0)
 * if momentum != 0:
 *   buf = d                                      (first step: a copy, no dampening)
 *   buf = momentum * buf + (1 - dampening) * d   (later steps)
 *   d = nesterov ? d + momentum * buf : buf
 * w -= lr * d
 * </pre>
 *
 * <p>State: {@code <param>.momentum_buffer} when momentum is non-zero, nothing otherwise (torch's
 * SGD keeps no step count). Without momentum the PyTorch engine's fused {@code sgdUpdate} kernel
 * is used (it computes exactly this equation then); with momentum plain array operations are,
 * because the kernel folds the learning rate into its buffer and has no dampening or nesterov.
 */
public final class Sgd extends AbstractOptimizer {

  /** The state suffix of the momentum buffer. */
  public static final String MOMENTUM_BUFFER = "momentum_buffer";

  private final double momentum;
  private final double dampening;
  private final boolean nesterov;
  private final double weightDecay;

  private Sgd(Builder b, HyperParameters hp) {
    super("sgd", hp, b.manager, false, b.momentum != 0 ? List.of(MOMENTUM_BUFFER) : List.of(), b.groups);
    this.momentum = b.momentum;
    this.dampening = b.dampening;
    this.nesterov = b.nesterov;
    this.weightDecay = b.weightDecay;
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
    return momentum != 0;
  }

  @Override
  void update(ParamSlot p, ParamState st, double lr, double momentum, boolean decays, boolean fresh) {
    NDArray w = p.weight();
    NDArray g = p.grad();
    double decay = decays ? weightDecay : 0;
    if (this.momentum == 0) {
      w.getNDArrayInternal().sgdUpdate(new NDList(w, g), new NDList(gradSink()), (float) lr,
          (float) decay, 1f, -1f, 0f, false);
      return;
    }
    NDArray decayed = null;
    NDArray nesterovStep = null;
    try {
      NDArray d = g;
      if (decay != 0) {
        try (NDArray wd = w.mul((float) decay)) {
          decayed = g.add(wd);
        }
        d = decayed;
      }
      NDArray buf = st.get(MOMENTUM_BUFFER);
      if (fresh) {
        buf = own(d.duplicate());
        st.put(MOMENTUM_BUFFER, buf);
      } else {
        buf.muli((float) momentum);
        if (dampening == 0) {
          buf.addi(d);
        } else {
          try (NDArray scaled = d.mul((float) (1 - dampening))) {
            buf.addi(scaled);
          }
        }
      }
      NDArray direction = buf;
      if (nesterov) {
        try (NDArray mb = buf.mul((float) momentum)) {
          nesterovStep = d.add(mb);
        }
        direction = nesterovStep;
      }
      try (NDArray delta = direction.mul((float) lr)) {
        w.subi(delta);
      }
    } finally {
      if (decayed != null) {
        decayed.close();
      }
      if (nesterovStep != null) {
        nesterovStep.close();
      }
    }
  }

  /** Builds an {@link Sgd}: {@code setManager} is required, every {@code opt*} has torch's default. */
  public static final class Builder {
    private NDManager manager;
    private ParamGroups groups = ParamGroups.NONE;
    private double momentum;
    private double dampening;
    private boolean nesterov;
    private double weightDecay;
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

    /** Momentum factor, {@code >= 0}; default 0. */
    public Builder optMomentum(double momentum) {
      this.momentum = momentum;
      return this;
    }

    /** Dampening of the momentum, in [0, 1]; default 0. */
    public Builder optDampening(double dampening) {
      this.dampening = dampening;
      return this;
    }

    /** Nesterov momentum (needs momentum &gt; 0 and dampening 0); default false. */
    public Builder optNesterov(boolean nesterov) {
      this.nesterov = nesterov;
      return this;
    }

    /** L2 penalty added to the gradient, {@code >= 0}; default 0. */
    public Builder optWeightDecay(double weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    /**
     * The optimizer.
     *
     * @throws IllegalArgumentException naming a value out of range or nesterov without momentum
     */
    public Sgd build() {
      checkNotNull(manager, "manager is required: call setManager");
      checkValues();
      HyperParameters hp = recorded != null ? recorded : HyperParameters.builder()
          .put("momentum", momentum).put("dampening", dampening).put("nesterov", nesterov)
          .put("weight_decay", weightDecay).build();
      return new Sgd(this, hp);
    }

    /** Checks the values as {@link #build} does, without a manager (for validating a spec). */
    void checkValues() {
      checkArgument(momentum >= 0 && Double.isFinite(momentum), "sgd momentum = %s must be >= 0", momentum);
      checkArgument(dampening >= 0 && dampening <= 1, "sgd dampening = %s must be in [0, 1]", dampening);
      checkArgument(weightDecay >= 0 && Double.isFinite(weightDecay),
          "sgd weight_decay = %s must be >= 0", weightDecay);
      checkArgument(!nesterov || (momentum > 0 && dampening == 0),
          "sgd nesterov = true needs momentum > 0 and dampening = 0, got momentum = %s, dampening = %s; "
              + "set nesterov = false or change them", momentum, dampening);
    }
  }
}
