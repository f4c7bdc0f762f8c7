package io.epochal.worker.optim;

import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.ndarray.NDManager;
import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpec;
import io.epochal.params.ParamSpecs;
import io.epochal.params.ParamType;
import java.util.List;

/**
 * The optimizer registry: names, hyperparameter declarations and creation.
 *
 * <table>
 *   <caption>Optimizers and their hyperparameters (defaults as in torch.optim)</caption>
 *   <tr><th>name</th><th>hyperparameters</th></tr>
 *   <tr><td>{@code sgd}</td><td>lr 0.001, momentum 0.0, dampening 0.0, nesterov false,
 *       weight_decay 0.0</td></tr>
 *   <tr><td>{@code adam}</td><td>lr 0.001, beta1 0.9, beta2 0.999, eps 1e-8, weight_decay 0.0,
 *       amsgrad false</td></tr>
 *   <tr><td>{@code adamw}</td><td>lr 0.001, beta1 0.9, beta2 0.999, eps 1e-8, weight_decay 0.01,
 *       amsgrad false</td></tr>
 *   <tr><td>{@code rmsprop}</td><td>lr 0.01, alpha 0.99, eps 1e-8, weight_decay 0.0, momentum 0.0,
 *       centered false</td></tr>
 * </table>
 *
 * <p>{@code lr} is the base learning rate: a {@link io.epochal.worker.schedule.LrSchedule} scales
 * it and the scheduled value is passed to every {@link Optimizer#step}; the optimizer itself does
 * not read it.
 */
public final class Optimizers {

  /** Known optimizer names, in the order they are listed in messages. */
  public static final List<String> NAMES = List.of("sgd", "adam", "adamw", "rmsprop");

  private Optimizers() {}

  /**
   * The hyperparameter declarations of optimizer {@code name}.
   *
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  public static ParamSpecs params(String name) {
    String owner = "optimizer '" + checkKnown(name) + "'";
    // torch's RMSprop defaults to lr 0.01; SGD has no default in torch, Adam and AdamW 0.001
    ParamSpec lr = dbl("lr", name.equals("rmsprop") ? 1e-2 : 1e-3, 0, null,
        "base learning rate; the schedule scales it");
    if (name.equals("sgd")) {
      return new ParamSpecs(owner, List.of(lr,
          dbl("momentum", 0.0, 0, null, "momentum factor (0 = none)"),
          dbl("dampening", 0.0, 0, 1.0, "dampening of the momentum"),
          ParamSpec.builder("nesterov", ParamType.BOOLEAN).optDefault(false)
              .optDoc("Nesterov momentum (needs momentum > 0 and dampening 0)").build(),
          dbl("weight_decay", 0.0, 0, null, "L2 penalty added to the gradient")));
    }
    if (name.equals("rmsprop")) {
      return new ParamSpecs(owner, List.of(lr,
          dbl("alpha", 0.99, 0, 1.0, "smoothing constant of the running mean of squared gradients (square_avg)"),
          dbl("eps", 1e-8, 0, null, "added to the square root of square_avg"),
          dbl("weight_decay", 0.0, 0, null, "L2 penalty added to the gradient"),
          dbl("momentum", 0.0, 0, null, "momentum factor (0 = none; else a momentum_buffer is kept)"),
          ParamSpec.builder("centered", ParamType.BOOLEAN).optDefault(false)
              .optDoc("divide by the gradient's estimated variance, not its mean square (keeps grad_avg)")
              .build()));
    }
    boolean adamw = name.equals("adamw");
    return new ParamSpecs(owner, List.of(lr,
        below1("beta1", 0.9, "decay of the first moment (exp_avg), below 1"),
        below1("beta2", 0.999, "decay of the second moment (exp_avg_sq), below 1"),
        dbl("eps", 1e-8, 0, null, "added to the bias-corrected square root of the second moment"),
        dbl("weight_decay", adamw ? 0.01 : 0.0, 0, null,
            adamw ? "decoupled weight decay: w *= 1 - lr * weight_decay" : "L2 penalty added to the gradient"),
        ParamSpec.builder("amsgrad", ParamType.BOOLEAN).optDefault(false)
            .optDoc("use the maximum of past second moments (max_exp_avg_sq)").build()));
  }

  /**
   * A new optimizer {@code name} configured by {@code resolved} (the output of
   * {@code params(name).resolve(raw)}; it is resolved again here, so missing keys get their
   * defaults and wrong ones are refused), keeping its state in a sub-manager of {@code manager}.
   *
   * @throws IllegalArgumentException for an unknown name (listing the known ones) or a
   *     hyperparameter that is unknown, mistyped or out of range (naming it)
   */
  public static Optimizer create(String name, HyperParameters resolved, NDManager manager) {
    return create(name, resolved, ParamGroups.NONE, manager);
  }

  /**
   * As {@link #create(String, HyperParameters, NDManager)}, treating each parameter as {@code groups} says (its
   * learning-rate scale, whether it is decayed), as torch's optimizers given parameter groups.
   */
  public static Optimizer create(String name, HyperParameters resolved, ParamGroups groups, NDManager manager) {
    checkNotNull(resolved, "resolved");
    checkNotNull(groups, "groups");
    checkNotNull(manager, "manager");
    HyperParameters hp = params(name).resolve(resolved);
    switch (name) {
      case "sgd":
        return sgd(hp).setManager(manager).optParamGroups(groups).build();
      case "rmsprop":
        return rmsProp(hp).setManager(manager).optParamGroups(groups).build();
      default:
        return adam(name, hp).setManager(manager).optParamGroups(groups).build();
    }
  }

  /**
   * How many tensors the size of each parameter the optimizer keeps as state: {@code adam} and
   * {@code adamw} 2 (the moments; 3 with amsgrad), {@code sgd} 1 with momentum, none without,
   * {@code rmsprop} 1 (square_avg) plus 1 with momentum and 1 when centered. For
   * estimating memory before the first step, when the state is still empty.
   *
   * @throws IllegalArgumentException naming {@code name} if it is not an optimizer
   */
  public static int stateTensorsPerParameter(String name, HyperParameters resolved) {
    HyperParameters hp = params(name).resolve(checkNotNull(resolved, "resolved"));
    switch (name) {
      case "sgd":
        return hp.getDouble("momentum") != 0 ? 1 : 0;
      case "rmsprop":
        return 1 + (hp.getDouble("momentum") > 0 ? 1 : 0) + (hp.getBoolean("centered") ? 1 : 0);
      default:
        return hp.getBoolean("amsgrad") ? 3 : 2;
    }
  }

  /**
   * Whether optimizer {@code name} with {@code resolved} can take the momentum (or first beta) a schedule sets before
   * every step ({@link Optimizer#step(List, double, double)}): {@code adam} and {@code adamw} always, {@code sgd} and
   * {@code rmsprop} only when configured with a momentum above 0, for without one they keep no momentum buffer.
   *
   * @throws IllegalArgumentException naming {@code name} if it is not an optimizer
   */
  public static boolean takesScheduledMomentum(String name, HyperParameters resolved) {
    HyperParameters hp = params(name).resolve(checkNotNull(resolved, "resolved"));
    return !(name.equals("sgd") || name.equals("rmsprop")) || hp.getDouble("momentum") > 0;
  }

  /**
   * Whether optimizer {@code name} follows torch for a scheduled momentum of 0: {@code adam} and
   * {@code adamw} take it as a first beta of 0; torch's {@code sgd} and {@code rmsprop} take a step of
   * momentum 0 as a step without momentum that leaves their buffer alone, which Epochal's do not
   * (their buffer stays in the state dict from the first step on), so a new job refuses a schedule
   * that reaches it (a job created before that refusal trains on as it did).
   *
   * @throws IllegalArgumentException naming {@code name} if it is not an optimizer
   */
  public static boolean takesZeroStepMomentum(String name) {
    params(name);
    return !(name.equals("sgd") || name.equals("rmsprop"));
  }

  /**
   * Checks {@code resolved} as {@link #create} does, without creating anything: ranges that the
   * declarations cannot express (adam's betas below 1) and keys that depend on each other (sgd's
   * nesterov needs momentum and no dampening). For validating a job spec before anything runs.
   *
   * @throws IllegalArgumentException naming the optimizer, the key and the value
   */
  public static void check(String name, HyperParameters resolved) {
    checkNotNull(resolved, "resolved");
    HyperParameters hp = params(name).resolve(resolved);
    if (name.equals("sgd")) {
      sgd(hp).checkValues();
    } else if (name.equals("rmsprop")) {
      rmsProp(hp).checkValues();
    } else {
      adam(name, hp).checkValues();
    }
  }

  private static Sgd.Builder sgd(HyperParameters hp) {
    return Sgd.builder()
        .optMomentum(hp.getDouble("momentum"))
        .optDampening(hp.getDouble("dampening"))
        .optNesterov(hp.getBoolean("nesterov"))
        .optWeightDecay(hp.getDouble("weight_decay"))
        .recordHyperParameters(hp);
  }

  private static RmsProp.Builder rmsProp(HyperParameters hp) {
    return RmsProp.builder()
        .optAlpha(hp.getDouble("alpha"))
        .optEps(hp.getDouble("eps"))
        .optWeightDecay(hp.getDouble("weight_decay"))
        .optMomentum(hp.getDouble("momentum"))
        .optCentered(hp.getBoolean("centered"))
        .recordHyperParameters(hp);
  }

  private static Adam.Builder adam(String name, HyperParameters hp) {
    Adam.Builder b = name.equals("adam") ? Adam.builder() : Adam.adamWBuilder();
    return b.optBeta1(hp.getDouble("beta1"))
        .optBeta2(hp.getDouble("beta2"))
        .optEps(hp.getDouble("eps"))
        .optWeightDecay(hp.getDouble("weight_decay"))
        .optAmsgrad(hp.getBoolean("amsgrad"))
        .recordHyperParameters(hp);
  }

  private static String checkKnown(String name) {
    if (name == null || !NAMES.contains(name)) {
      String near = name == null ? null : ParamSpecs.nearest(name, NAMES);
      throw new IllegalArgumentException("unknown optimizer '" + name + "'"
          + (near == null ? "" : " (did you mean '" + near + "'?)") + "; known optimizers: "
          + String.join(", ", NAMES));
    }
    return name;
  }

  /** A decay factor in [0, 1): at 1 the moment never moves and its bias correction divides by 0. */
  private static ParamSpec below1(String name, double def, String doc) {
    return ParamSpec.builder(name, ParamType.DOUBLE).optDefault(def).optMin(0).optMaxExclusive(1.0).optDoc(doc)
        .build();
  }

  private static ParamSpec dbl(String name, double def, double min, Double max, String doc) {
    ParamSpec.Builder b = ParamSpec.builder(name, ParamType.DOUBLE).optDefault(def).optMin(min).optDoc(doc);
    if (max != null) {
      b.optMax(max);
    }
    return b.build();
  }
}
