package io.epochal.worker.state;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Checks a state dict against the exact layout a model expects, the way PyTorch's
 * {@code load_state_dict(strict=True)} does, but reporting every problem at once.
 */
public final class StateDictValidator {

  private StateDictValidator() {}

  /**
   * Every difference between {@code expected} and {@code actual}, one line each, in the order of
   * {@code expected} then of {@code actual}: {@code missing 'x' (F32[3])},
   * {@code unexpected 'y' (F32[2])}, {@code 'z' is F32[2, 3] but the model expects F32[3, 2]}.
   * Empty when the state dict fits.
   */
  public static List<String> problems(Map<String, TensorSpec> expected, StateDict actual) {
    List<String> problems = new ArrayList<>();
    for (Map.Entry<String, TensorSpec> e : expected.entrySet()) {
      Tensor t = actual.get(e.getKey());
      if (t == null) {
        problems.add("missing '" + e.getKey() + "' (" + e.getValue() + ")");
      } else if (!e.getValue().matches(t)) {
        problems.add("'" + e.getKey() + "' is " + TensorSpec.of(t) + " but the model expects " + e.getValue());
      }
    }
    for (Map.Entry<String, Tensor> e : actual) {
      if (!expected.containsKey(e.getKey())) {
        problems.add("unexpected '" + e.getKey() + "' (" + TensorSpec.of(e.getValue()) + ")");
      }
    }
    return problems;
  }

  /**
   * Fails unless {@code actual} has exactly the names, dtypes and shapes of {@code expected}.
   *
   * @param owner the model, named in the message (e.g. {@code mlp v1})
   * @throws IllegalArgumentException listing every problem
   */
  public static void requireExactLayout(String owner, Map<String, TensorSpec> expected, StateDict actual) {
    List<String> problems = problems(expected, actual);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.format(Locale.ROOT,
          "state dict does not fit model %s (%d problem%s): %s. Load a state dict written by the same"
              + " model name, version and hyperparameters.",
          owner, problems.size(), problems.size() == 1 ? "" : "s", String.join("; ", problems)));
    }
  }
}
