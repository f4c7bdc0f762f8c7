package io.epochal.worker.round;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.worker.model.NamedParameter;
import io.epochal.worker.state.NamePatterns;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The trainable parameters a job does not train ({@code train.freeze}), as PyTorch's {@code
 * param.requires_grad_(False)}, named by {@link NamePatterns} ({@code layers.0.*}), for the whole job or
 * for its first epochs only ({@code train.freeze_epochs}, Lightning's {@code BackboneFinetuning}: the new
 * head trains alone, then the whole model). A frozen parameter gets no gradient, so the optimizer keeps no
 * state for it, decays nothing and steps nothing, and clipping does not count it; buffers are not
 * parameters and are not affected. Once its epochs are over it trains, its optimizer state starting
 * fresh, as torch's optimizers create a parameter's state at its first step. Immutable.
 */
public final class FrozenParameters implements Serializable {

  private static final long serialVersionUID = 3L;

  /** No parameter frozen. */
  public static final FrozenParameters NONE = new FrozenParameters(NamePatterns.NONE, 0);

  private final NamePatterns patterns;
  private final int epochs;

  private FrozenParameters(NamePatterns patterns, int epochs) {
    this.patterns = checkNotNull(patterns, "patterns");
    this.epochs = epochs;
  }

  /**
   * The parameters {@code patterns} name, frozen for the whole job.
   *
   * @throws IllegalArgumentException naming a blank pattern
   */
  public static FrozenParameters of(List<String> patterns) {
    return of(patterns, 0);
  }

  /**
   * The parameters {@code patterns} name, frozen in the job's first {@code epochs} epochs and trained after them; 0 =
   * frozen for the whole job.
   *
   * @throws IllegalArgumentException naming a blank pattern, or if {@code epochs} is negative or given without
   *     patterns
   */
  public static FrozenParameters of(List<String> patterns, int epochs) {
    checkArgument(epochs >= 0, "frozen epochs must be >= 0 (0 = the whole job), got %s", epochs);
    checkArgument(epochs == 0 || !patterns.isEmpty(), "%s frozen epochs, but no parameter frozen", epochs);
    return patterns.isEmpty() ? NONE : new FrozenParameters(NamePatterns.of(patterns), epochs);
  }

  /** The epochs the parameters are frozen in, from the first; 0 = every epoch of the job. */
  public int epochs() {
    return epochs;
  }

  /**
   * The parameters frozen in 0-based epoch {@code epoch}: these, or (after their epochs) {@link #NONE}.
   *
   * @throws IllegalArgumentException if {@code epoch} is negative
   */
  public FrozenParameters inEpoch(int epoch) {
    checkArgument(epoch >= 0, "epoch %s must be >= 0", epoch);
    return epochs > 0 && epoch >= epochs ? NONE : this;
  }

  /**
   * Whether the parameter named {@code name} starts without optimizer state in 0-based round {@code round} of 0-based
   * epoch {@code epoch}: the first round it trains in, after the epochs it was frozen in, so the state the round
   * starts from (the last frozen epoch's, or its checkpoint's) holds none for it.
   */
  public boolean startsFreshIn(String name, int epoch, int round) {
    return epochs > 0 && epoch == epochs && round == 0 && patterns.matches(name);
  }

  /** The patterns, as given. */
  public List<String> patterns() {
    return patterns.patterns();
  }

  /** Whether no parameter is frozen. */
  public boolean isEmpty() {
    return patterns.isEmpty();
  }

  /** Whether the parameter named {@code name} is frozen. */
  public boolean isFrozen(String name) {
    return patterns.matches(name);
  }

  /** Those of {@code params} that are trained, in their order. */
  public List<NamedParameter> trained(List<NamedParameter> params) {
    if (patterns.isEmpty()) {
      return params;
    }
    List<NamedParameter> kept = new ArrayList<>(params.size());
    for (NamedParameter p : params) {
      if (!isFrozen(p.name())) {
        kept.add(p);
      }
    }
    return kept;
  }

  /** The patterns that match none of {@code names}. */
  public List<String> unmatched(Collection<String> names) {
    return patterns.unmatched(names);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof FrozenParameters f && patterns.equals(f.patterns) && epochs == f.epochs;
  }

  @Override
  public int hashCode() {
    return 31 * patterns.hashCode() + epochs;
  }

  @Override
  public String toString() {
    return patterns.isEmpty() ? "none frozen" : "frozen " + patterns + (epochs > 0 ? " for " + epochs + " epochs" : "");
  }
}
