package io.epochal.worker.schedule;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.params.HyperParameters;
import java.util.Locale;
import java.util.Objects;

/**
 * The state of schedule {@code plateau}, torch's {@code ReduceLROnPlateau}: after every epoch the
 * monitored metric is compared with its best so far; after more than {@code patience} epochs in a
 * row without improvement the rate is multiplied by {@code factor} (never below {@code min_lr}),
 * followed by {@code cooldown} epochs in which epochs without improvement are not counted.
 *
 * <p>The equations are torch's, in double precision as Python computes them: in {@code rel} mode a
 * value improves on the best {@code b} when it is below {@code b * (1 - threshold)} ({@code min}) or
 * above {@code b * (threshold + 1)} ({@code max}); in {@code abs} mode below {@code b - threshold}
 * or above {@code b + threshold}; before any value the best is infinitely bad. A reduction sets
 * {@code max(lr * factor, min_lr)} only when it lowers the rate by more than {@link #EPS}. An
 * epoch without a value of the metric (a held-out loss that was not finite) does not improve it, as
 * a NaN does not in torch.
 *
 * <p>Immutable. The state is part of the training context: {@link #state()} gives the entries
 * every checkpoint's schedule state records besides {@link LrSchedule#state}, and {@link #restore}
 * continues from them, so a resumed job reduces its rate at the same epochs as one never stopped.
 */
public final class ReduceOnPlateau {

  /** torch's default {@code eps}: a reduction smaller than this is not made. */
  public static final double EPS = 1e-8;
  /** Schedule-state entry: the best value so far (absent before any). */
  public static final String BEST = "schedule.plateau.best";
  /** Schedule-state entry: epochs without improvement since the best or the last reduction. */
  public static final String NUM_BAD_EPOCHS = "schedule.plateau.num_bad_epochs";
  /** Schedule-state entry: cooldown epochs left. */
  public static final String COOLDOWN_COUNTER = "schedule.plateau.cooldown_counter";
  /** Schedule-state entry: reductions made so far. */
  public static final String REDUCTIONS = "schedule.plateau.reductions";

  private final String monitor;
  private final boolean max;
  private final long patience;
  private final double factor;
  private final double threshold;
  private final boolean relative;
  private final long cooldown;
  private final double minLr;
  private final double lr;
  /** The best value so far; NaN before any (torch's infinitely bad start). */
  private final double best;
  private final long numBadEpochs;
  private final long cooldownCounter;
  private final long reductions;

  private ReduceOnPlateau(ReduceOnPlateau c, double lr, double best, long numBadEpochs, long cooldownCounter,
      long reductions) {
    this(c.monitor, c.max, c.patience, c.factor, c.threshold, c.relative, c.cooldown, c.minLr, lr, best, numBadEpochs,
        cooldownCounter, reductions);
  }

  private ReduceOnPlateau(String monitor, boolean max, long patience, double factor, double threshold,
      boolean relative, long cooldown, double minLr, double lr, double best, long numBadEpochs, long cooldownCounter,
      long reductions) {
    checkArgument(patience >= 0, "schedule 'plateau' patience = %s must be >= 0", patience);
    checkArgument(factor > 0 && factor < 1, "schedule 'plateau' factor = %s must be in (0, 1)", factor);
    checkArgument(threshold >= 0 && Double.isFinite(threshold), "schedule 'plateau' threshold = %s must be >= 0",
        threshold);
    checkArgument(cooldown >= 0, "schedule 'plateau' cooldown = %s must be >= 0", cooldown);
    checkArgument(minLr >= 0 && Double.isFinite(minLr), "schedule 'plateau' min_lr = %s must be >= 0", minLr);
    checkArgument(lr >= 0 && Double.isFinite(lr), "schedule 'plateau' learning rate = %s must be finite and >= 0",
        lr);
    checkArgument(numBadEpochs >= 0 && cooldownCounter >= 0 && reductions >= 0,
        "schedule 'plateau' counts must be >= 0: num_bad_epochs %s, cooldown_counter %s, reductions %s",
        numBadEpochs, cooldownCounter, reductions);
    this.monitor = checkNotNull(monitor, "monitor");
    this.max = max;
    this.patience = patience;
    this.factor = factor;
    this.threshold = threshold;
    this.relative = relative;
    this.cooldown = cooldown;
    this.minLr = minLr;
    this.lr = lr;
    this.best = best;
    this.numBadEpochs = numBadEpochs;
    this.cooldownCounter = cooldownCounter;
    this.reductions = reductions;
  }

  /**
   * The state a new job of schedule {@code plateau} starts with: rate {@code lr} (the optimizer's),
   * no best, nothing counted. {@code params} are the schedule's hyperparameters (resolved here).
   *
   * @throws IllegalArgumentException naming the key that is out of range
   */
  public static ReduceOnPlateau start(double lr, HyperParameters params) {
    HyperParameters hp = LrSchedules.params().resolve(params);
    return new ReduceOnPlateau(hp.getString("monitor"), "max".equals(hp.getString("mode")), hp.getLong("patience"),
        hp.getDouble("factor"), hp.getDouble("threshold"), "rel".equals(hp.getString("threshold_mode")),
        hp.getLong("cooldown"), hp.getDouble("min_lr"), lr, Double.NaN, 0, 0, 0);
  }

  /**
   * The state recorded in a checkpoint's schedule state {@code state} ({@link LrSchedule#state} and
   * {@link #state()}), for a job whose schedule hyperparameters are {@code params}.
   *
   * @throws IllegalArgumentException naming the entry that is missing or out of range
   */
  public static ReduceOnPlateau restore(HyperParameters params, HyperParameters state) {
    for (String key : new String[] {"schedule.base_lr", NUM_BAD_EPOCHS, COOLDOWN_COUNTER, REDUCTIONS}) {
      checkArgument(state.contains(key), "the schedule state has no '%s' (schedule 'plateau' records it in every "
          + "checkpoint); it holds %s", key, state.keys());
    }
    ReduceOnPlateau s = start(state.getDouble("schedule.base_lr"), params);
    return new ReduceOnPlateau(s, s.lr, state.contains(BEST) ? state.getDouble(BEST) : Double.NaN,
        state.getLong(NUM_BAD_EPOCHS), state.getLong(COOLDOWN_COUNTER), state.getLong(REDUCTIONS));
  }

  /**
   * The state after an epoch whose monitored metric is {@code value} (null or not finite: not
   * recorded, no improvement): torch's {@code ReduceLROnPlateau.step(value)}.
   */
  public ReduceOnPlateau step(Double value) {
    double newBest = best;
    long bad = numBadEpochs;
    if (value != null && !value.isNaN() && better(value)) {
      newBest = value;
      bad = 0;
    } else {
      bad++;
    }
    long counter = cooldownCounter;
    if (counter > 0) {
      counter--;
      bad = 0; // epochs without improvement in the cooldown are not counted
    }
    if (bad <= patience) {
      return new ReduceOnPlateau(this, lr, newBest, bad, counter, reductions);
    }
    double reduced = Math.max(lr * factor, minLr);
    boolean changes = lr - reduced > EPS;
    return new ReduceOnPlateau(this, changes ? reduced : lr, newBest, 0, cooldown, reductions + (changes ? 1 : 0));
  }

  private boolean better(double value) {
    if (Double.isNaN(best)) {
      // torch's best starts at -inf (max) or inf (min); inf * (1 - threshold) is NaN or -inf once
      // threshold >= 1, which no value is below: such a start never improves
      if (relative && !max && threshold >= 1) {
        return false;
      }
      return max ? value > Double.NEGATIVE_INFINITY : value < Double.POSITIVE_INFINITY;
    }
    if (relative) {
      return max ? value > best * (threshold + 1) : value < best * (1 - threshold);
    }
    return max ? value > best + threshold : value < best - threshold;
  }

  /** The rate of the next epoch's steps (before any warm-up scales it). */
  public double rate() {
    return lr;
  }

  /** The metric it monitors. */
  public String monitor() {
    return monitor;
  }

  /** Reductions made so far. */
  public long reductions() {
    return reductions;
  }

  /** Epochs without improvement counted towards the next reduction. */
  public long numBadEpochs() {
    return numBadEpochs;
  }

  /** The entries a checkpoint's schedule state records besides {@link LrSchedule#state}. */
  public HyperParameters state() {
    HyperParameters.Builder b = HyperParameters.builder();
    if (!Double.isNaN(best)) {
      b.put(BEST, best);
    }
    return b.put(NUM_BAD_EPOCHS, numBadEpochs).put(COOLDOWN_COUNTER, cooldownCounter).put(REDUCTIONS, reductions)
        .build();
  }

  /**
   * What an epoch's progress says of this state, the state after {@code before}'s epoch: the
   * reduction it made (or could not make below {@code min_lr}), or how far the count is; empty when
   * the metric improved or the epoch was in the cooldown.
   */
  public java.util.Optional<String> progress(ReduceOnPlateau before) {
    String bestText = Double.isNaN(best) ? "" : " (best " + String.format(Locale.ROOT, "%.6g", best) + ")";
    boolean improved = Double.compare(best, before.best) != 0;
    if (improved || before.cooldownCounter > 0) {
      return java.util.Optional.empty();
    }
    if (numBadEpochs == 0) { // more than patience: reduced, or at the floor already
      String what = reductions > before.reductions ? "learning rate " + before.lr + " -> " + lr
          + (cooldown > 0 ? " (cooldown: the next " + cooldown + " epochs are not counted)" : "")
          : lr <= minLr ? "the learning rate " + lr + " is at schedule.min_lr = " + minLr
          + " and is not reduced further"
          : "the learning rate " + lr + " is not reduced: the cut to " + Math.max(lr * factor, minLr) + " would change "
          + "it by less than " + EPS + ", which torch's ReduceLROnPlateau skips as well (its eps)";
      long bad = before.numBadEpochs + 1;
      return java.util.Optional.of(monitor + " did not improve for " + bad + " epoch" + (bad == 1 ? "" : "s")
          + bestText + ", more than schedule.patience = " + patience + ": " + what);
    }
    return java.util.Optional.of(monitor + " did not improve for " + numBadEpochs + " epoch" + (numBadEpochs == 1
        ? "" : "s") + bestText + "; the learning rate " + lr + " is multiplied by schedule.factor = " + factor
        + " after more than schedule.patience = " + patience);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ReduceOnPlateau)) {
      return false;
    }
    ReduceOnPlateau p = (ReduceOnPlateau) o;
    return monitor.equals(p.monitor) && max == p.max && patience == p.patience && factor == p.factor
        && threshold == p.threshold && relative == p.relative && cooldown == p.cooldown && minLr == p.minLr
        && lr == p.lr && Double.compare(best, p.best) == 0 && numBadEpochs == p.numBadEpochs
        && cooldownCounter == p.cooldownCounter && reductions == p.reductions;
  }

  @Override
  public int hashCode() {
    return Objects.hash(monitor, max, patience, factor, threshold, relative, cooldown, minLr, lr, best, numBadEpochs,
        cooldownCounter, reductions);
  }

  @Override
  public String toString() {
    return "plateau(" + monitor + " " + (max ? "max" : "min") + ", lr " + lr + ", best " + best + ", bad "
        + numBadEpochs + ", cooldown " + cooldownCounter + ", reductions " + reductions + ")";
  }
}
