package io.epochal.worker.schedule;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;

/**
 * The schedule implementations: constant, step decay, multistep decay, cosine, linear decay, the plateau's rate between
 * epochs, and a linear warm-up in front.
 */
final class Schedules {

  private Schedules() {}

  static void checkStep(long step) {
    checkArgument(step >= 0, "global step must be >= 0, got %s", step);
  }

  /** Base class holding the base rate. */
  abstract static class Base implements LrSchedule {
    final double baseLr;

    Base(double baseLr) {
      checkArgument(baseLr >= 0 && Double.isFinite(baseLr), "base learning rate lr = %s must be finite and >= 0",
          baseLr);
      this.baseLr = baseLr;
    }

    @Override
    public double baseLr() {
      return baseLr;
    }
  }

  /** {@code lr = base}. */
  static final class Constant extends Base {
    Constant(double baseLr) {
      super(baseLr);
    }

    @Override
    public String name() {
      return "constant";
    }

    @Override
    public double lr(long step) {
      checkStep(step);
      return baseLr;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Constant && ((Constant) o).baseLr == baseLr;
    }

    @Override
    public int hashCode() {
      return Double.hashCode(baseLr);
    }

    @Override
    public String toString() {
      return "constant(lr=" + baseLr + ")";
    }
  }

  /**
   * Schedule {@code plateau} between two epochs: {@code lr = base}, the base being the rate
   * {@link ReduceOnPlateau} holds after the last epoch.
   */
  static final class Plateau extends Base {
    Plateau(double baseLr) {
      super(baseLr);
    }

    @Override
    public String name() {
      return "plateau";
    }

    @Override
    public double lr(long step) {
      checkStep(step);
      return baseLr;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Plateau && ((Plateau) o).baseLr == baseLr;
    }

    @Override
    public int hashCode() {
      return Double.hashCode(baseLr) + 1;
    }

    @Override
    public String toString() {
      return "plateau(lr=" + baseLr + ")";
    }
  }

  /** {@code lr = base * gamma^k}, {@code k} the decays up to the step, as a subclass counts them. */
  abstract static class GammaDecay extends Base {
    final double gamma;

    GammaDecay(double baseLr, double gamma, String name) {
      super(baseLr);
      checkArgument(gamma >= 0 && Double.isFinite(gamma), "schedule '%s' gamma = %s must be >= 0", name, gamma);
      this.gamma = gamma;
    }

    /** The decays at or before {@code step}. */
    abstract long decays(long step);

    @Override
    public final double lr(long step) {
      checkStep(step);
      return baseLr * Math.pow(gamma, decays(step));
    }
  }

  /** {@code lr = base * gamma^floor(step / stepSize)}, like torch's StepLR counted in steps. */
  static final class StepDecay extends GammaDecay {
    final long stepSize;

    StepDecay(double baseLr, long stepSize, double gamma) {
      super(baseLr, gamma, "step");
      checkArgument(stepSize >= 1, "schedule 'step' needs step_size >= 1, got %s; set step_size", stepSize);
      this.stepSize = stepSize;
    }

    @Override
    public String name() {
      return "step";
    }

    @Override
    long decays(long step) {
      return step / stepSize;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof StepDecay s && s.baseLr == baseLr && s.stepSize == stepSize && s.gamma == gamma;
    }

    @Override
    public int hashCode() {
      return Objects.hash(baseLr, stepSize, gamma);
    }

    @Override
    public String toString() {
      return "step(lr=" + baseLr + ", step_size=" + stepSize + ", gamma=" + gamma + ")";
    }
  }

  /**
   * {@code lr = base * gamma^k}, {@code k} the number of milestones at or before the step: torch's
   * MultiStepLR ({@code bisect_right(milestones, step)}) counted in steps.
   */
  static final class MultiStep extends GammaDecay {
    final long[] milestones;

    MultiStep(double baseLr, java.util.List<Long> milestones, double gamma) {
      super(baseLr, gamma, "multistep");
      checkArgument(!milestones.isEmpty(), "schedule 'multistep' needs milestones (the steps at which the rate is "
          + "multiplied by gamma), got none; set milestones");
      this.milestones = new long[milestones.size()];
      for (int i = 0; i < this.milestones.length; i++) {
        this.milestones[i] = milestones.get(i);
        checkArgument(this.milestones[i] >= 1 && (i == 0 || this.milestones[i] > this.milestones[i - 1]),
            "schedule 'multistep' milestones must be steps >= 1 in increasing order, got %s", milestones);
      }
    }

    @Override
    public String name() {
      return "multistep";
    }

    @Override
    long decays(long step) {
      int passed = 0;
      while (passed < milestones.length && milestones[passed] <= step) {
        passed++;
      }
      return passed;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof MultiStep m && m.baseLr == baseLr && java.util.Arrays.equals(m.milestones, milestones)
          && m.gamma == gamma;
    }

    @Override
    public int hashCode() {
      return Objects.hash(baseLr, java.util.Arrays.hashCode(milestones), gamma);
    }

    @Override
    public String toString() {
      return "multistep(lr=" + baseLr + ", milestones=" + java.util.Arrays.toString(milestones) + ", gamma=" + gamma
          + ")";
    }
  }

  /**
   * A decay from the base rate at step 0 down to {@code min} at step {@code total}, then {@code
   * min}; a subclass gives the rate before {@code total}.
   */
  abstract static class Decay extends Base {
    final long totalSteps;
    final double minLr;

    Decay(double baseLr, long totalSteps, double minLr) {
      super(baseLr);
      checkArgument(totalSteps >= 1, "schedule '%s' needs total_steps >= 1, got %s; set total_steps", name(),
          totalSteps);
      checkArgument(minLr >= 0 && Double.isFinite(minLr), "schedule '%s' min_lr = %s must be >= 0", name(), minLr);
      this.totalSteps = totalSteps;
      this.minLr = minLr;
    }

    /** The rate at {@code step}, {@code 0 <= step < total}. */
    abstract double decayed(long step);

    @Override
    public final double lr(long step) {
      checkStep(step);
      if (step >= totalSteps) {
        return minLr;
      }
      return decayed(step);
    }

    @Override
    public final boolean equals(Object o) {
      if (o == null || o.getClass() != getClass()) {
        return false;
      }
      Decay d = (Decay) o;
      return d.baseLr == baseLr && d.totalSteps == totalSteps && d.minLr == minLr;
    }

    @Override
    public final int hashCode() {
      return Objects.hash(name(), baseLr, totalSteps, minLr);
    }

    @Override
    public final String toString() {
      return name() + "(lr=" + baseLr + ", total_steps=" + totalSteps + ", min_lr=" + minLr + ")";
    }
  }

  /**
   * {@code lr = min + (base - min) * (1 + cos(pi * step / total)) / 2}: torch's CosineAnnealingLR
   * closed form, held at its end instead of rising.
   */
  static final class Cosine extends Decay {
    Cosine(double baseLr, long totalSteps, double minLr) {
      super(baseLr, totalSteps, minLr);
    }

    @Override
    public String name() {
      return "cosine";
    }

    @Override
    double decayed(long step) {
      return minLr + (baseLr - minLr) * (1 + Math.cos(Math.PI * step / totalSteps)) / 2;
    }
  }

  /**
   * {@code lr = base + (min - base) * step / total}, a straight line (torch's LinearLR from factor 1 to {@code
   * min / base} over {@code total} steps; with {@code min = 0} behind a warm-up from {@code
   * warmup_start_factor = 0}, Hugging Face's {@code get_linear_schedule_with_warmup}).
   */
  static final class Linear extends Decay {
    Linear(double baseLr, long totalSteps, double minLr) {
      super(baseLr, totalSteps, minLr);
    }

    @Override
    public String name() {
      return "linear";
    }

    @Override
    double decayed(long step) {
      return baseLr + (minLr - baseLr) * step / totalSteps;
    }
  }

  /**
   * Linear warm-up in front of another schedule: for {@code step < warmup},
   * {@code lr = base * (f + (1 - f) * step / warmup)} (torch's LinearLR from {@code f} to 1, which
   * takes {@code f > 0}; {@code f = 0} starts at 0, as Hugging Face's warm-ups do); afterwards the
   * inner schedule at {@code step - warmup} (torch's SequentialLR).
   */
  static final class Warmup implements LrSchedule {
    final LrSchedule inner;
    final long warmupSteps;
    final double startFactor;

    Warmup(LrSchedule inner, long warmupSteps, double startFactor) {
      checkArgument(warmupSteps >= 1, "warmup_steps = %s must be >= 1 for a warm-up", warmupSteps);
      checkArgument(startFactor >= 0 && startFactor <= 1,
          "warmup_start_factor = %s must be in [0, 1]", startFactor);
      this.inner = Objects.requireNonNull(inner, "inner");
      this.warmupSteps = warmupSteps;
      this.startFactor = startFactor;
    }

    @Override
    public String name() {
      return "warmup+" + inner.name();
    }

    @Override
    public double baseLr() {
      return inner.baseLr();
    }

    @Override
    public double lr(long step) {
      checkStep(step);
      if (step >= warmupSteps) {
        return inner.lr(step - warmupSteps);
      }
      return inner.baseLr() * (startFactor + (1 - startFactor) * step / warmupSteps);
    }

    @Override
    public boolean equals(Object o) {
      if (!(o instanceof Warmup)) {
        return false;
      }
      Warmup w = (Warmup) o;
      return w.inner.equals(inner) && w.warmupSteps == warmupSteps && w.startFactor == startFactor;
    }

    @Override
    public int hashCode() {
      return Objects.hash(inner, warmupSteps, startFactor);
    }

    @Override
    public String toString() {
      return "warmup(warmup_steps=" + warmupSteps + ", warmup_start_factor=" + startFactor + ") then " + inner;
    }
  }
}
