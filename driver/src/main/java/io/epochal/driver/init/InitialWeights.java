package io.epochal.driver.init;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.driver.config.ConfigException;
import io.epochal.driver.config.FineTuning;
import io.epochal.worker.state.NamePatterns;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Weights a new job starts from ({@code init.weights}), as read: their location, their SHA-256 (the
 * file's, or for a sharded state that of the index file followed by every shard in the index's
 * order), and their tensors, named as the model names them once {@code init.strip_prefix} is taken
 * off. {@link #applyTo} puts them into a model's seeded state as {@code load_state_dict} would.
 * Immutable.
 */
public final class InitialWeights {

  private final String location;
  private final String sha256;
  private final StateDict tensors;
  /** What a reader of the log should know of which weights these are (empty if nothing). */
  private final String note;
  /** The prefix stripped from the file's names ({@code init.strip_prefix}; empty if none). */
  private final String stripped;

  InitialWeights(String location, String sha256, StateDict tensors, String note) {
    this(location, sha256, tensors, note, "");
  }

  /** Weights whose names had {@code stripped} taken off their start ({@code init.strip_prefix}). */
  InitialWeights(String location, String sha256, StateDict tensors, String note, String stripped) {
    this.location = checkNotNull(location, "location");
    this.sha256 = checkNotNull(sha256, "sha256");
    this.tensors = checkNotNull(tensors, "tensors");
    this.note = checkNotNull(note, "note");
    this.stripped = checkNotNull(stripped, "stripped");
  }

  /** Which weights these are, when a reader of the log should know (a checkpoint's trained ones); else empty. */
  public String note() {
    return note;
  }

  /** Where the weights were read, as {@code init.weights} names it. */
  public String location() {
    return location;
  }

  /** The SHA-256 (hex) of the bytes read, recorded in every checkpoint as {@code init_sha256}. */
  public String sha256() {
    return sha256;
  }

  /** The tensors, named as the model's state dict names them. */
  public StateDict tensors() {
    return tensors;
  }

  /**
   * The state a job starts from: {@code seeded} (the model's state dict after its seeded
   * initialisation, in its order) with each tensor these weights hold in its place, converted to the
   * model's precision ({@link TensorCast}). With {@code strict}, the weights must hold every tensor
   * of the model and no other; without, the model's tensors they lack keep their seeded values and
   * their tensors the model lacks are ignored. Shapes must match either way, and a floating-point
   * value must be finite. The tensors {@code skip} names are not loaded: the model's tensors of
   * those names keep their seeded values, strict or not.
   *
   * @param owner the model, named in messages ({@code mlp v1})
   * @throws ConfigException ({@code init.weights}) listing every tensor that does not fit and what to do,
   *     or ({@code init.skip}) naming a pattern that matches none of the weights' tensors
   */
  public InitialState applyTo(StateDict seeded, boolean strict, NamePatterns skip, String owner) {
    List<String> unmatched = skip.unmatched(tensors.names());
    if (!unmatched.isEmpty()) {
      throw new ConfigException(FineTuning.SKIP, FineTuning.SKIP + " = " + String.join(",", skip.patterns()) + ": "
          + String.join(", ", unmatched) + " matches no tensor of " + location + ", which holds "
          + NameList.joined(tensors.nameList(), 12));
    }
    List<String> problems = new ArrayList<>();
    List<String> kept = new ArrayList<>();
    List<String> skipped = new ArrayList<>();
    List<String> converted = new ArrayList<>();
    StateDict.Builder state = StateDict.builder();
    for (Map.Entry<String, Tensor> e : seeded) {
      String name = e.getKey();
      Tensor own = e.getValue();
      boolean skipping = skip.matches(name);
      Tensor given = skipping ? null : tensors.get(name);
      if (given == null) {
        (skipping ? skipped : kept).add(name);
        state.put(name, own);
        continue;
      }
      Optional<Tensor> cast = fit(name, given, own, problems);
      if (cast.isEmpty()) {
        continue;
      }
      // the file's own values first: a finite F64 beyond float32's range becomes an infinity only when converted
      Optional<String> nonFinite = NonFinite.find(given);
      Optional<String> overflow = nonFinite.isPresent() ? Optional.empty() : NonFinite.find(cast.get());
      if (nonFinite.isPresent() || overflow.isPresent()) {
        problems.add("'" + name + "' holds " + nonFinite.orElseGet(() -> "a value beyond the range of the model's "
            + own.dtype() + " (" + given.dtype() + ", " + overflow.get().replace(": weights must be finite", "")
            + " once converted)"));
        continue;
      }
      if (cast.get() != given) {
        converted.add(name + " (" + given.dtype() + ")");
      }
      state.put(name, cast.get());
    }
    List<String> ignored = tensors.names().stream().filter(n -> !seeded.contains(n) && !skip.matches(n)).toList();
    if (strict) {
      kept.forEach(n -> problems.add("missing '" + n + "' (" + layout(seeded.get(n)) + ")"));
      ignored.forEach(n -> problems.add("unexpected '" + n + "' (" + layout(tensors.get(n)) + ")"));
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(FineTuning.WEIGHTS, FineTuning.WEIGHTS + " = " + location + ": " + problems.size()
          + " tensor(s) do not fit model " + owner + ": " + String.join("; ", NameList.first(problems, 20))
          + ". " + advice(strict, kept, ignored, owner));
    }
    if (kept.size() + skipped.size() == seeded.size() && !kept.isEmpty() && tensors.size() == 0) {
      // not strict, and no tensor at all (a state dict filtered by a prefix that matched nothing)
      throw new ConfigException(FineTuning.WEIGHTS, FineTuning.WEIGHTS + " = " + location + " holds no tensor, so "
          + "nothing would be loaded and the job would start as initialised while recorded as started from it: "
          + "name weights that hold model " + owner + "'s tensors, or leave " + FineTuning.WEIGHTS + " empty");
    }
    if (kept.size() + skipped.size() == seeded.size() && !ignored.isEmpty() && !kept.isEmpty()) {
      // not strict, and not one name in common: the job would start as initialised, recorded as started from these
      Optional<String> prefix = NameList.commonExtraPrefix(ignored, kept);
      throw new ConfigException(FineTuning.WEIGHTS, FineTuning.WEIGHTS + " = " + location + ": none of its "
          + tensors.size() + " tensor(s) is one of model " + owner + "'s by name (it holds " + NameList.joined(
          tensors.nameList(), 6) + "; the model " + NameList.joined(kept, 6) + "), so nothing would be loaded. "
          + prefix.map(this::stripAdvice).orElse("These weights belong to another model (" + MODELS + ")"));
    }
    return new InitialState(state.build(), kept, skipped, ignored, converted);
  }

  /**
   * {@code given} as it takes the place of the model's {@code own} tensor {@code name}, in the
   * model's precision; empty, with the reason added to {@code problems}, when it cannot.
   */
  private static Optional<Tensor> fit(String name, Tensor given, Tensor own, List<String> problems) {
    if (!Arrays.equals(given.shape(), own.shape())) {
      problems.add("'" + name + "' is " + layout(given) + " but the model's is " + layout(own));
      return Optional.empty();
    }
    try {
      Optional<Tensor> cast = TensorCast.to(own.dtype(), given);
      if (cast.isEmpty()) {
        problems.add("'" + name + "' is " + given.dtype() + " but the model holds " + own.dtype()
            + ", a value of another kind");
      }
      return cast;
    } catch (IllegalArgumentException e) {
      problems.add("'" + name + "' is " + given.dtype() + ", whose " + e.getMessage() + " the model holds");
      return Optional.empty();
    }
  }

  private String advice(boolean strict, List<String> kept, List<String> ignored, String owner) {
    Optional<String> prefix = NameList.commonExtraPrefix(ignored, kept);
    if (prefix.isPresent()) {
      return stripAdvice(prefix.get());
    }
    String model = MODELS;
    if (strict && tensors.size() == 0) { // init.strict=false would load nothing from it either, and is refused so
      return "It holds no tensor: name weights that hold model " + owner + "'s tensors, or leave "
          + FineTuning.WEIGHTS + " empty";
    }
    if (strict && ignored.isEmpty() && !kept.isEmpty()) { // every tensor of the file is the model's: a part of it
      return "Every tensor it holds is the model's, but not all of the model's are in it; to take those it holds "
          + "and keep the missing ones as initialised (a backbone's weights under a new head), set "
          + FineTuning.STRICT + "=false";
    }
    return strict && (!kept.isEmpty() || !ignored.isEmpty())
        ? "These weights belong to another model (" + model + "); to take the tensors that fit by name and keep "
            + "the others as initialised, set " + FineTuning.STRICT + "=false"
        : "Shapes and kinds must match the model's (" + model + ")";
  }

  private static final String MODELS = "worker/MODELS.md lists the tensors of the built-in models";

  /** The advice for names that still carry {@code prefix}, after {@link #stripped} was taken off them. */
  private String stripAdvice(String prefix) {
    return stripped.isEmpty() ? "The file's names carry the prefix '" + prefix + "' that the model's do not: set "
        + FineTuning.STRIP_PREFIX + "=" + prefix : "The file's names, " + FineTuning.STRIP_PREFIX + "=" + stripped
        + " taken off them, still carry the prefix '" + prefix + "' that the model's do not: set "
        + FineTuning.STRIP_PREFIX + "=" + stripped + prefix;
  }

  /** {@code F32[3, 4]}. */
  static String layout(Tensor t) {
    return t.dtype() + Arrays.toString(t.shape());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof InitialWeights w && location.equals(w.location) && sha256.equals(w.sha256)
        && tensors.equals(w.tensors);
  }

  @Override
  public int hashCode() {
    return sha256.hashCode();
  }

  @Override
  public String toString() {
    return "InitialWeights{" + location + ", sha256=" + sha256 + ", " + tensors.size() + " tensors}";
  }
}
