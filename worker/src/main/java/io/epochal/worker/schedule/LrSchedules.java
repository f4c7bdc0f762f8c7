package io.epochal.worker.schedule;

import static com.google.common.base.Preconditions.checkArgument;

import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpec;
import io.epochal.params.ParamSpecs;
import io.epochal.params.ParamType;
import java.util.List;
import java.util.Set;

/**
 * The schedule registry: declarations and creation.
 *
 * <table>
 *   <caption>Schedule hyperparameters</caption>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>{@code schedule}</td><td>constant</td><td>constant, step, multistep, cosine, cosine_restarts, linear,
 *   onecycle or plateau</td></tr>
 *   <tr><td>{@code step_size}</td><td>0 (unset)</td><td>step: multiply by gamma every step_size steps (required, &ge; 1)</td></tr>
 *   <tr><td>{@code gamma}</td><td>0.1</td><td>step, multistep: the factor</td></tr>
 *   <tr><td>{@code milestones}</td><td>(none)</td><td>multistep: the steps after which the rate is multiplied by
 *   gamma (required, increasing, each &ge; 1)</td></tr>
 *   <tr><td>{@code total_steps}</td><td>0 (unset)</td><td>cosine, linear: steps from base to min_lr, counted after
 *   the warm-up; onecycle: the cycle's steps (required, &ge; 1)</td></tr>
 *   <tr><td>{@code pct_start}, {@code anneal_strategy}, {@code div_factor}, {@code final_div_factor}, {@code
 *   three_phase}</td><td>0.3, cos, 25, 1e4, false</td><td>onecycle: torch's {@code OneCycleLR} ({@link OneCycle})
 *   with {@code max_lr} = lr</td></tr>
 *   <tr><td>{@code cycle_momentum}, {@code base_momentum}, {@code max_momentum}</td><td>false, 0.85, 0.95</td>
 *   <td>onecycle: also cycle the optimizer's momentum or first beta between them, as torch's {@code OneCycleLR} does
 *   by default</td></tr>
 *   <tr><td>{@code restart_steps}, {@code restart_mult}</td><td>0 (unset), 1</td><td>cosine_restarts: torch's
 *   {@code CosineAnnealingWarmRestarts} T_0 (required, &ge; 1) and T_mult, in steps ({@link CosineRestarts})</td></tr>
 *   <tr><td>{@code min_lr}</td><td>0.0</td><td>cosine, linear: the final rate, held afterwards; plateau: the
 *   lowest rate a reduction sets</td></tr>
 *   <tr><td>{@code monitor}, {@code mode}, {@code patience}, {@code factor}, {@code threshold},
 *   {@code threshold_mode}, {@code cooldown}</td><td>train_loss, min, 10, 0.1, 1e-4, rel, 0</td><td>plateau:
 *   torch's {@code ReduceLROnPlateau} ({@link ReduceOnPlateau}) on the epoch metric {@code monitor}</td></tr>
 *   <tr><td>{@code warmup_steps}</td><td>0</td><td>linear warm-up steps in front of the schedule (0 = none)</td></tr>
 *   <tr><td>{@code warmup_start_factor}</td><td>1/3</td><td>the warm-up starts at base * this (torch's
 *   LinearLR default; 0 as Hugging Face's)</td></tr>
 *   <tr><td>{@code interval}</td><td>step</td><td>what the schedule's steps count: optimizer steps ({@code step}) or
 *   epochs ({@code epoch}, a schedule stepped once per epoch, as Lightning's {@code interval="epoch"}; every step of
 *   epoch {@code e}, 0-based, then trains at the schedule's rate of step {@code e})</td></tr>
 * </table>
 *
 * <p>With a warm-up of {@code W} steps, global step {@code s >= W} uses the schedule at
 * {@code s - W}: a cosine or linear decay reaches {@code min_lr} at global step {@code W + total_steps}.
 * Schedule {@code plateau} holds its rate between epochs; the driver lowers it after an epoch as
 * {@link ReduceOnPlateau} says and creates the schedule with the lowered rate as its base.
 */
public final class LrSchedules {

  /** The key of what a schedule's steps count. */
  public static final String INTERVAL = "interval";
  /** {@link #INTERVAL}: optimizer steps (the default). */
  public static final String INTERVAL_STEP = "step";
  /** {@link #INTERVAL}: epochs, a schedule stepped once per epoch. */
  public static final String INTERVAL_EPOCH = "epoch";

  /** Known schedule names. */
  public static final List<String> NAMES =
      List.of("constant", "step", "multistep", "cosine", "cosine_restarts", "linear", "onecycle", "plateau");

  /** The keys only schedule {@code plateau} reads: no other schedule's job declares or stores them. */
  public static final List<String> PLATEAU_KEYS =
      List.of("monitor", "mode", "patience", "factor", "threshold", "threshold_mode", "cooldown");

  /** The keys only schedule {@code onecycle} reads. */
  public static final List<String> ONECYCLE_KEYS =
      List.of("pct_start", "anneal_strategy", "div_factor", "final_div_factor", "three_phase", "cycle_momentum",
          "base_momentum", "max_momentum");

  /** The keys only schedule {@code cosine_restarts} reads. */
  public static final List<String> RESTART_KEYS = List.of("restart_steps", "restart_mult");

  /**
   * The keys each schedule reads and no other declares ({@link #PLATEAU_KEYS}, {@link #ONECYCLE_KEYS},
   * {@link #RESTART_KEYS}, {@code milestones} of {@code multistep}): declared and stored only for a job of
   * that schedule, so a job of another, also one created before they existed, stores and resumes as before.
   */
  public static final java.util.Map<String, List<String>> OWN_KEYS = java.util.Map.of("plateau", PLATEAU_KEYS,
      "multistep", List.of("milestones"), "onecycle", ONECYCLE_KEYS, "cosine_restarts", RESTART_KEYS);

  private LrSchedules() {}

  /** The declarations of every schedule key. */
  public static ParamSpecs params() {
    return new ParamSpecs("lr schedule", List.of(
        ParamSpec.builder("schedule", ParamType.STRING).optDefault("constant")
            .optAllowed(NAMES.toArray(new String[0])).optDoc("the schedule after any warm-up").build(),
        ParamSpec.builder("step_size", ParamType.LONG).optDefault(0L).optMin(0)
            .optDoc("schedule step: multiply the rate by gamma every step_size steps (required >= 1)").build(),
        ParamSpec.builder("gamma", ParamType.DOUBLE).optDefault(0.1).optMin(0)
            .optDoc("schedules step and multistep: the decay factor").build(),
        ParamSpec.builder("milestones", ParamType.LONG_LIST).optDefault(List.of()).optMin(1)
            .optDoc("schedule multistep: the optimizer steps (after the warm-up) from which the rate is multiplied "
                + "by gamma once more, in increasing order, as torch's MultiStepLR milestones (required)").build(),
        ParamSpec.builder("total_steps", ParamType.LONG).optDefault(0L).optMin(0)
            .optDoc("schedules cosine and linear: steps from lr down to min_lr, after the warm-up; onecycle: the "
                + "steps of its cycle (required >= 1)").build(),
        ParamSpec.builder("min_lr", ParamType.DOUBLE).optDefault(0.0).optMin(0)
            .optDoc("schedules cosine and linear: the final rate, held after total_steps; cosine_restarts: the floor "
                + "each cycle falls towards (torch's eta_min); plateau: the lowest rate a reduction sets").build(),
        ParamSpec.builder("restart_steps", ParamType.LONG).optDefault(0L).optMin(0)
            .optDoc("schedule cosine_restarts: the optimizer steps of the first cycle, after which the rate restarts "
                + "at lr (torch's T_0, counted in steps; required >= 1)").build(),
        ParamSpec.builder("restart_mult", ParamType.LONG).optDefault(1L).optMin(1)
            .optDoc("schedule cosine_restarts: each cycle is this many times as long as the one before (torch's "
                + "T_mult)").build(),
        ParamSpec.builder("pct_start", ParamType.DOUBLE).optDefault(0.3).optMin(0).optMax(1)
            .optDoc("schedule onecycle: the share of total_steps in which the rate rises from lr / div_factor to lr")
            .build(),
        ParamSpec.builder("anneal_strategy", ParamType.STRING).optDefault("cos").optAllowed("cos", "linear")
            .optDoc("schedule onecycle: each phase anneals by cosine (cos) or along a line (linear)").build(),
        ParamSpec.builder("div_factor", ParamType.DOUBLE).optDefault(25.0).optMinExclusive(0)
            .optDoc("schedule onecycle: the cycle starts at lr / div_factor").build(),
        ParamSpec.builder("final_div_factor", ParamType.DOUBLE).optDefault(1e4).optMinExclusive(0)
            .optDoc("schedule onecycle: the cycle ends at lr / (div_factor x final_div_factor)").build(),
        ParamSpec.builder("three_phase", ParamType.BOOLEAN).optDefault(false)
            .optDoc("schedule onecycle: fall back to lr / div_factor symmetrically before the final decay (fast.ai's "
                + "original schedule) instead of decaying from lr to the end in one phase").build(),
        ParamSpec.builder("cycle_momentum", ParamType.BOOLEAN).optDefault(false)
            .optDoc("schedule onecycle: also set every step's momentum (optimizers sgd, rmsprop) or beta1 (adam, "
                + "adamw), from max_momentum down to base_momentum while the rate rises and back while it falls, as "
                + "torch's OneCycleLR(cycle_momentum=True), its default, does; false keeps the optimizer's own").build(),
        ParamSpec.builder("base_momentum", ParamType.DOUBLE).optDefault(0.85).optMin(0).optMaxExclusive(1.0)
            .optDoc("schedule onecycle with cycle_momentum: the momentum (or beta1) at the rate's peak").build(),
        ParamSpec.builder("max_momentum", ParamType.DOUBLE).optDefault(0.95).optMin(0).optMaxExclusive(1.0)
            .optDoc("schedule onecycle with cycle_momentum: the momentum (or beta1) at the cycle's start and end")
            .build(),
        ParamSpec.builder("monitor", ParamType.STRING).optDefault("train_loss")
            .optDoc("schedule plateau: the epoch metric it watches, one a checkpoint records (train_loss, "
                + "train_accuracy, val_loss, val_accuracy, ...)").build(),
        ParamSpec.builder("mode", ParamType.STRING).optDefault("min").optAllowed("min", "max")
            .optDoc("schedule plateau: whether a smaller (min) or larger (max) monitor is better").build(),
        ParamSpec.builder("patience", ParamType.LONG).optDefault(10L).optMin(0)
            .optDoc("schedule plateau: epochs in a row without improvement that are tolerated; the rate is reduced "
                + "after the next one (torch's patience)").build(),
        ParamSpec.builder("factor", ParamType.DOUBLE).optDefault(0.1).optMinExclusive(0).optMaxExclusive(1)
            .optDoc("schedule plateau: a reduction multiplies the rate by this").build(),
        ParamSpec.builder("threshold", ParamType.DOUBLE).optDefault(1e-4).optMin(0)
            .optDoc("schedule plateau: how much better than the best a value must be to improve it (relative or "
                + "absolute, as threshold_mode says)").build(),
        ParamSpec.builder("threshold_mode", ParamType.STRING).optDefault("rel").optAllowed("rel", "abs")
            .optDoc("schedule plateau: rel compares with best * (1 - threshold) (min) or best * (1 + threshold) "
                + "(max), abs with best -/+ threshold").build(),
        ParamSpec.builder("cooldown", ParamType.LONG).optDefault(0L).optMin(0)
            .optDoc("schedule plateau: epochs after a reduction in which epochs without improvement are not "
                + "counted").build(),
        ParamSpec.builder("warmup_steps", ParamType.LONG).optDefault(0L).optMin(0)
            .optDoc("linear warm-up steps in front of the schedule (0 = none; onecycle warms up by itself and takes "
                + "none)").build(),
        ParamSpec.builder("warmup_start_factor", ParamType.DOUBLE).optDefault(1.0 / 3).optMin(0).optMax(1)
            .optDoc("the warm-up starts at lr * this factor and reaches lr after warmup_steps (torch's LinearLR "
                + "default 1/3; 0 starts at 0, as Hugging Face's warm-ups)").build(),
        ParamSpec.builder(INTERVAL, ParamType.STRING).optDefault(INTERVAL_STEP)
            .optAllowed(INTERVAL_STEP, INTERVAL_EPOCH)
            .optDoc("what the schedule's steps count (step_size, milestones, total_steps, restart_steps, "
                + "warmup_steps): optimizer steps (step), or epochs (epoch: the schedule is stepped once per epoch, "
                + "as a PyTorch script that calls scheduler.step() after each epoch, Lightning's interval=\"epoch\"; "
                + "every step of an epoch trains at its rate)").build()));
  }

  /**
   * The schedule configured by {@code resolved} (resolved again here) for base rate
   * {@code baseLr}.
   *
   * @throws IllegalArgumentException naming the key that is unknown, out of range or missing for
   *     the chosen schedule
   */
  public static LrSchedule create(double baseLr, HyperParameters resolved) {
    HyperParameters hp = params().resolve(resolved);
    LrSchedule s;
    switch (hp.getString("schedule")) {
      case "constant":
        s = new Schedules.Constant(baseLr);
        break;
      case "step":
        s = new Schedules.StepDecay(baseLr, hp.getLong("step_size"), hp.getDouble("gamma"));
        break;
      case "multistep":
        s = new Schedules.MultiStep(baseLr, hp.getList("milestones", Long.class), hp.getDouble("gamma"));
        break;
      case "cosine":
        s = new Schedules.Cosine(baseLr, hp.getLong("total_steps"), hp.getDouble("min_lr"));
        break;
      case "cosine_restarts":
        s = new CosineRestarts(baseLr, hp.getLong("restart_steps"), hp.getLong("restart_mult"), hp.getDouble("min_lr"));
        break;
      case "linear":
        s = new Schedules.Linear(baseLr, hp.getLong("total_steps"), hp.getDouble("min_lr"));
        break;
      case "onecycle":
        checkArgument(hp.getLong("warmup_steps") == 0, "warmup_steps = %s: schedule 'onecycle' warms up by itself "
            + "(from lr / div_factor over pct_start of total_steps); set warmup_steps=0", hp.getLong("warmup_steps"));
        s = new OneCycle(baseLr, hp.getLong("total_steps"), hp.getDouble("pct_start"), hp.getString("anneal_strategy"),
            hp.getDouble("div_factor"), hp.getDouble("final_div_factor"), hp.getBoolean("three_phase"),
            hp.getBoolean("cycle_momentum") ? new double[] {hp.getDouble("base_momentum"), hp.getDouble("max_momentum")}
                : null);
        break;
      case "plateau":
        s = new Schedules.Plateau(baseLr);
        break;
      default:
        throw new AssertionError(hp.getString("schedule"));
    }
    long warmup = hp.getLong("warmup_steps");
    return warmup == 0 ? s : new Schedules.Warmup(s, warmup, hp.getDouble("warmup_start_factor"));
  }

  /**
   * The declarations of every schedule key as schedule {@code name} needs them: the key it cannot
   * run without ({@code step_size} for {@code step}, {@code total_steps} for {@code cosine},
   * {@code linear} and {@code onecycle}, {@code restart_steps} for {@code cosine_restarts}) is
   * required and at least 1; the {@link #OWN_KEYS} only for their schedule; the rest as in
   * {@link #params()}.
   *
   * @throws IllegalArgumentException if {@code name} is not a schedule
   */
  public static ParamSpecs params(String name) {
    checkArgument(NAMES.contains(name), "schedule '%s' is not one of %s", name, NAMES);
    String required = switch (name) {
      case "step" -> "step_size";
      case "cosine", "linear", "onecycle" -> "total_steps";
      case "cosine_restarts" -> "restart_steps";
      default -> null;
    };
    List<ParamSpec> specs = new java.util.ArrayList<>();
    for (ParamSpec s : params().all()) {
      if (OWN_KEYS.entrySet().stream().anyMatch(o -> !o.getKey().equals(name) && o.getValue().contains(s.name()))) {
        continue;
      }
      specs.add(!s.name().equals(required) ? s
          : ParamSpec.builder(s.name(), s.type()).optMin(1).optDoc(s.doc()).build());
    }
    return new ParamSpecs("schedule '" + name + "'", specs);
  }

  /**
   * The schedules that read hyperparameter {@code key} (without the {@code schedule.} prefix):
   * {@code step_size} and {@code gamma} only {@code step}, {@code total_steps} and {@code min_lr}
   * {@code cosine} and {@code linear} ({@code min_lr} also {@code cosine_restarts} and {@code plateau}), {@code
   * gamma} {@code step}
   * and {@code multistep}, the {@link #OWN_KEYS} only their schedule, the warm-up keys every schedule.
   * Empty for a key no schedule declares.
   */
  public static Set<String> usedBy(String key) {
    return switch (key) {
      case "step_size" -> Set.of("step");
      case "gamma" -> Set.of("step", "multistep");
      case "milestones" -> Set.of("multistep");
      case "total_steps" -> Set.of("cosine", "linear", "onecycle");
      case "min_lr" -> Set.of("cosine", "cosine_restarts", "linear", "plateau");
      case "restart_steps", "restart_mult" -> Set.of("cosine_restarts");
      case "monitor", "mode", "patience", "factor", "threshold", "threshold_mode", "cooldown" -> Set.of("plateau");
      case "pct_start", "anneal_strategy", "div_factor", "final_div_factor", "three_phase", "cycle_momentum",
          "base_momentum", "max_momentum" -> Set.of("onecycle");
      case "schedule", "warmup_steps", "warmup_start_factor", INTERVAL -> Set.copyOf(NAMES);
      default -> Set.of();
    };
  }

  /**
   * Whether the schedule configured by {@code resolved} (resolved again here) counts epochs ({@code interval=epoch})
   * rather than optimizer steps.
   */
  public static boolean countsEpochs(HyperParameters resolved) {
    return INTERVAL_EPOCH.equals(params().resolve(resolved).getString(INTERVAL));
  }

  /**
   * The schedule step that optimizer step {@code globalStep} (0-based, of the job) of 0-based epoch {@code epoch}
   * trains at: the epoch with {@code countsEpochs}, else the optimizer step.
   */
  public static long stepOf(boolean countsEpochs, int epoch, long globalStep) {
    return countsEpochs ? epoch : globalStep;
  }

  /** A constant schedule. */
  public static LrSchedule constant(double baseLr) {
    return new Schedules.Constant(baseLr);
  }

  /** {@code base * gamma^floor(step / stepSize)}. */
  public static LrSchedule stepDecay(double baseLr, long stepSize, double gamma) {
    return new Schedules.StepDecay(baseLr, stepSize, gamma);
  }

  /** {@code base * gamma^(milestones at or before step)}, torch's MultiStepLR counted in steps. */
  public static LrSchedule multiStep(double baseLr, List<Long> milestones, double gamma) {
    return new Schedules.MultiStep(baseLr, milestones, gamma);
  }

  /** Cosine from {@code baseLr} down to {@code minLr} over {@code totalSteps}, then {@code minLr}. */
  public static LrSchedule cosine(double baseLr, long totalSteps, double minLr) {
    return new Schedules.Cosine(baseLr, totalSteps, minLr);
  }

  /** A straight line from {@code baseLr} down to {@code minLr} over {@code totalSteps}, then {@code minLr}. */
  public static LrSchedule linear(double baseLr, long totalSteps, double minLr) {
    return new Schedules.Linear(baseLr, totalSteps, minLr);
  }

  /**
   * torch's OneCycleLR without momentum cycling, peaking at {@code maxLr}; see {@link OneCycle}.
   *
   * @param annealStrategy {@code cos} or {@code linear}
   */
  public static LrSchedule oneCycle(double maxLr, long totalSteps, double pctStart, String annealStrategy,
      double divFactor, double finalDivFactor, boolean threePhase) {
    return new OneCycle(maxLr, totalSteps, pctStart, annealStrategy, divFactor, finalDivFactor, threePhase);
  }

  /**
   * torch's OneCycleLR with {@code cycle_momentum=True}: as {@link #oneCycle}, its {@link LrSchedule#momentum}
   * cycling between {@code baseMomentum} and {@code maxMomentum}, each in [0, 1).
   */
  public static LrSchedule oneCycle(double maxLr, long totalSteps, double pctStart, String annealStrategy,
      double divFactor, double finalDivFactor, boolean threePhase, double baseMomentum, double maxMomentum) {
    return new OneCycle(maxLr, totalSteps, pctStart, annealStrategy, divFactor, finalDivFactor, threePhase,
        new double[] {baseMomentum, maxMomentum});
  }

  /** torch's CosineAnnealingWarmRestarts stepped every optimizer step; see {@link CosineRestarts}. */
  public static LrSchedule cosineRestarts(double baseLr, long restartSteps, long restartMult, double minLr) {
    return new CosineRestarts(baseLr, restartSteps, restartMult, minLr);
  }

  /**
   * {@code inner} preceded by a linear warm-up from {@code startFactor * base} to base.
   *
   * @throws IllegalArgumentException if {@code inner} sets the momentum (a one-cycle schedule warms
   *     up by itself: a warm-up in front would drop the momentum it cycles)
   */
  public static LrSchedule withWarmup(LrSchedule inner, long warmupSteps, double startFactor) {
    checkArgument(inner.momentum(0).isEmpty(), "schedule %s sets the momentum of every step and warms up by itself; "
        + "a warm-up in front of it would drop that momentum: give it no warm-up", inner);
    return new Schedules.Warmup(inner, warmupSteps, startFactor);
  }
}
