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
 *   <tr><td>{@code schedule}</td><td>constant</td><td>constant, step, cosine or linear</td></tr>
 *   <tr><td>{@code step_size}</td><td>0 (unset)</td><td>step: multiply by gamma every step_size steps (required, &ge; 1)</td></tr>
 *   <tr><td>{@code gamma}</td><td>0.1</td><td>step: the factor</td></tr>
 *   <tr><td>{@code total_steps}</td><td>0 (unset)</td><td>cosine, linear: steps from base to min_lr, counted after the warm-up (required, &ge; 1)</td></tr>
 *   <tr><td>{@code min_lr}</td><td>0.0</td><td>cosine, linear: the final rate, held afterwards</td></tr>
 *   <tr><td>{@code warmup_steps}</td><td>0</td><td>linear warm-up steps in front of the schedule (0 = none)</td></tr>
 *   <tr><td>{@code warmup_start_factor}</td><td>1/3</td><td>the warm-up starts at base * this (torch's LinearLR default)</td></tr>
 * </table>
 *
 * <p>With a warm-up of {@code W} steps, global step {@code s >= W} uses the schedule at
 * {@code s - W}: a cosine or linear decay reaches {@code min_lr} at global step {@code W + total_steps}.
 */
public final class LrSchedules {

  /** Known schedule names. */
  public static final List<String> NAMES = List.of("constant", "step", "cosine", "linear");

  private LrSchedules() {}

  /** The declarations of every schedule key. */
  public static ParamSpecs params() {
    return new ParamSpecs("lr schedule", List.of(
        ParamSpec.builder("schedule", ParamType.STRING).optDefault("constant")
            .optAllowed(NAMES.toArray(new String[0])).optDoc("the schedule after any warm-up").build(),
        ParamSpec.builder("step_size", ParamType.LONG).optDefault(0L).optMin(0)
            .optDoc("schedule step: multiply the rate by gamma every step_size steps (required >= 1)").build(),
        ParamSpec.builder("gamma", ParamType.DOUBLE).optDefault(0.1).optMin(0)
            .optDoc("schedule step: the decay factor").build(),
        ParamSpec.builder("total_steps", ParamType.LONG).optDefault(0L).optMin(0)
            .optDoc("schedules cosine and linear: steps from lr down to min_lr, after the warm-up (required >= 1)")
            .build(),
        ParamSpec.builder("min_lr", ParamType.DOUBLE).optDefault(0.0).optMin(0)
            .optDoc("schedules cosine and linear: the final rate, held after total_steps").build(),
        ParamSpec.builder("warmup_steps", ParamType.LONG).optDefault(0L).optMin(0)
            .optDoc("linear warm-up steps in front of the schedule (0 = none)").build(),
        ParamSpec.builder("warmup_start_factor", ParamType.DOUBLE).optDefault(1.0 / 3).optMinExclusive(0).optMax(1)
            .optDoc("the warm-up starts at lr * this factor (> 0) and reaches lr after warmup_steps").build()));
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
      case "cosine":
        s = new Schedules.Cosine(baseLr, hp.getLong("total_steps"), hp.getDouble("min_lr"));
        break;
      case "linear":
        s = new Schedules.Linear(baseLr, hp.getLong("total_steps"), hp.getDouble("min_lr"));
        break;
      default:
        throw new AssertionError(hp.getString("schedule"));
    }
    long warmup = hp.getLong("warmup_steps");
    return warmup == 0 ? s : new Schedules.Warmup(s, warmup, hp.getDouble("warmup_start_factor"));
  }

  /**
   * The declarations of every schedule key as schedule {@code name} needs them: the key it cannot
   * run without ({@code step_size} for {@code step}, {@code total_steps} for {@code cosine} and
   * {@code linear}) is
   * required and at least 1; the rest as in {@link #params()}.
   *
   * @throws IllegalArgumentException if {@code name} is not a schedule
   */
  public static ParamSpecs params(String name) {
    checkArgument(NAMES.contains(name), "schedule '%s' is not one of %s", name, NAMES);
    String required = switch (name) {
      case "step" -> "step_size";
      case "cosine", "linear" -> "total_steps";
      default -> null;
    };
    List<ParamSpec> specs = new java.util.ArrayList<>();
    for (ParamSpec s : params().all()) {
      specs.add(!s.name().equals(required) ? s
          : ParamSpec.builder(s.name(), s.type()).optMin(1).optDoc(s.doc()).build());
    }
    return new ParamSpecs("schedule '" + name + "'", specs);
  }

  /**
   * The schedules that read hyperparameter {@code key} (without the {@code schedule.} prefix):
   * {@code step_size} and {@code gamma} only {@code step}, {@code total_steps} and {@code min_lr}
   * {@code cosine} and {@code linear}, the warm-up keys every schedule. Empty for a key no schedule declares.
   */
  public static Set<String> usedBy(String key) {
    return switch (key) {
      case "step_size", "gamma" -> Set.of("step");
      case "total_steps", "min_lr" -> Set.of("cosine", "linear");
      case "schedule", "warmup_steps", "warmup_start_factor" -> Set.copyOf(NAMES);
      default -> Set.of();
    };
  }

  /** A constant schedule. */
  public static LrSchedule constant(double baseLr) {
    return new Schedules.Constant(baseLr);
  }

  /** {@code base * gamma^floor(step / stepSize)}. */
  public static LrSchedule stepDecay(double baseLr, long stepSize, double gamma) {
    return new Schedules.StepDecay(baseLr, stepSize, gamma);
  }

  /** Cosine from {@code baseLr} down to {@code minLr} over {@code totalSteps}, then {@code minLr}. */
  public static LrSchedule cosine(double baseLr, long totalSteps, double minLr) {
    return new Schedules.Cosine(baseLr, totalSteps, minLr);
  }

  /** A straight line from {@code baseLr} down to {@code minLr} over {@code totalSteps}, then {@code minLr}. */
  public static LrSchedule linear(double baseLr, long totalSteps, double minLr) {
    return new Schedules.Linear(baseLr, totalSteps, minLr);
  }

  /** {@code inner} preceded by a linear warm-up from {@code startFactor * base} to base. */
  public static LrSchedule withWarmup(LrSchedule inner, long warmupSteps, double startFactor) {
    return new Schedules.Warmup(inner, warmupSteps, startFactor);
  }
}
