package io.epochal.driver.init;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.config.FineTuning;
import io.epochal.tensor.StateDict;
import java.util.List;

/**
 * A model's state once starting weights were put into it ({@link InitialWeights#applyTo}): the state,
 * and which of the model's tensors came from the weights, kept their seeded values, or were
 * converted, and which of the weights' tensors were ignored. Immutable.
 */
public final class InitialState {

  private final StateDict state;
  private final List<String> kept;
  private final List<String> skipped;
  private final List<String> ignored;
  private final List<String> converted;

  InitialState(StateDict state, List<String> kept, List<String> skipped, List<String> ignored,
      List<String> converted) {
    this.state = checkNotNull(state, "state");
    this.kept = List.copyOf(kept);
    this.skipped = List.copyOf(skipped);
    this.ignored = List.copyOf(ignored);
    this.converted = List.copyOf(converted);
  }

  /** The model's state dict, in the model's order. */
  public StateDict state() {
    return state;
  }

  /** How many of the model's tensors came from the weights. */
  public int loaded() {
    return state.size() - kept.size() - skipped.size();
  }

  /** The model's tensors the weights lack, which keep their seeded values ({@code init.strict=false}). */
  public List<String> kept() {
    return kept;
  }

  /** The model's tensors {@code init.skip} names, which keep their seeded values. */
  public List<String> skipped() {
    return skipped;
  }

  /** The weights' tensors the model lacks, which were ignored ({@code init.strict=false}). */
  public List<String> ignored() {
    return ignored;
  }

  /** The tensors converted to the model's precision, each with the type it had ({@code fc.weight (F64)}). */
  public List<String> converted() {
    return converted;
  }

  /**
   * One line for the log: {@code "6 of the model's 6 tensors from <location> (sha256 ...)"}, with the
   * converted, kept and ignored tensors named.
   */
  public String describe(InitialWeights from) {
    StringBuilder b = new StringBuilder().append(loaded()).append(" of the model's ").append(state.size())
        .append(" tensors from ").append(from.location()).append(" (sha256 ").append(from.sha256()).append(')');
    if (!converted.isEmpty()) {
      b.append("; converted to the model's precision: ").append(NameList.joined(converted, 5));
    }
    if (!skipped.isEmpty()) {
      b.append("; seeded, as ").append(FineTuning.SKIP).append(" names them: ").append(NameList.joined(skipped, 5));
    }
    if (!kept.isEmpty()) {
      b.append("; seeded, as the weights lack them: ").append(NameList.joined(kept, 5));
    }
    if (!ignored.isEmpty()) {
      b.append("; ignored, as the model lacks them: ").append(NameList.joined(ignored, 5));
    }
    if (!from.note().isEmpty()) {
      b.append("; ").append(from.note());
    }
    return b.toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InitialState s && state.equals(s.state) && kept.equals(s.kept) && skipped.equals(s.skipped)
        && ignored.equals(s.ignored) && converted.equals(s.converted);
  }

  @Override
  public int hashCode() {
    return state.hashCode() * 31 + kept.hashCode();
  }

  @Override
  public String toString() {
    return "InitialState{loaded=" + loaded() + ", kept=" + kept + ", skipped=" + skipped + ", ignored=" + ignored
        + ", converted=" + converted + "}";
  }
}
