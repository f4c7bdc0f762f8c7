package io.epochal.driver.config;

import io.epochal.params.ParamSpec;
import io.epochal.params.ParamSpecs;
import io.epochal.params.ParamType;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A small catalog for tests: an {@code mlp} (versions 1 and 2) and a {@code linear} model, the
 * three optimizers and three schedules, declared the way the worker's registry declares them.
 */
public final class TestModelCatalog implements ModelCatalog {

  private static final ParamSpecs MLP = new ParamSpecs("model mlp v1", List.of(
      ParamSpec.builder("inputs", ParamType.LONG).optMin(1).optDoc("Input features.").build(),
      ParamSpec.builder("classes", ParamType.LONG).optMin(1).optDoc("Output classes.").build(),
      ParamSpec.builder("hidden", ParamType.LONG_LIST).optDefault(List.of(64L, 64L)).optMin(1)
          .optDoc("Hidden layer widths.").build(),
      ParamSpec.builder("activation", ParamType.STRING).optDefault("relu").optAllowed("relu", "tanh")
          .optDoc("Activation.").build(),
      ParamSpec.builder("dropout", ParamType.DOUBLE).optDefault(0.0).optMin(0).optMax(0.9)
          .optDoc("Dropout probability.").build()));
  private static final ParamSpecs LINEAR = new ParamSpecs("model linear v1", List.of(
      ParamSpec.builder("inputs", ParamType.LONG).optMin(1).optDoc("Input features.").build(),
      ParamSpec.builder("outputs", ParamType.LONG).optDefault(1L).optMin(1).optDoc("Outputs.").build()));

  private static ParamSpecs optimizer(String name, double lr, double decay, boolean adam) {
    List<ParamSpec> s = new java.util.ArrayList<>();
    s.add(ParamSpec.builder("lr", ParamType.DOUBLE).optDefault(lr).optMin(0).optDoc("Learning rate.").build());
    s.add(ParamSpec.builder("weight_decay", ParamType.DOUBLE).optDefault(decay).optMin(0)
        .optDoc("Weight decay.").build());
    if (adam) {
      s.add(ParamSpec.builder("beta1", ParamType.DOUBLE).optDefault(0.9).optMin(0).optMax(1).build());
      s.add(ParamSpec.builder("beta2", ParamType.DOUBLE).optDefault(0.999).optMin(0).optMax(1).build());
      s.add(ParamSpec.builder("eps", ParamType.DOUBLE).optDefault(1e-8).optMin(0).build());
    } else {
      s.add(ParamSpec.builder("momentum", ParamType.DOUBLE).optDefault(0.0).optMin(0).optMax(1).build());
    }
    return new ParamSpecs("optimizer " + name, s);
  }

  private static final Map<String, ParamSpecs> OPTIMIZERS = Map.of(
      "sgd", optimizer("sgd", 0.01, 0.0, false),
      "adam", optimizer("adam", 0.001, 0.0, true),
      "adamw", optimizer("adamw", 0.001, 0.01, true));

  private static final Map<String, ParamSpecs> SCHEDULES = Map.of(
      "constant", new ParamSpecs("schedule constant", List.of()),
      "step", new ParamSpecs("schedule step", List.of(
          ParamSpec.builder("step_epochs", ParamType.LONG).optDefault(10L).optMin(1).build(),
          ParamSpec.builder("gamma", ParamType.DOUBLE).optDefault(0.1).optMin(0).optMax(1).build())),
      "cosine", new ParamSpecs("schedule cosine", List.of(
          ParamSpec.builder("warmup_steps", ParamType.LONG).optDefault(0L).optMin(0).build())));

  @Override
  public Set<String> modelNames() {
    return new TreeSet<>(Set.of("mlp", "linear"));
  }

  @Override
  public Optional<ParamSpecs> model(String name, long version) {
    if (name.equals("mlp") && (version == 1 || version == 2)) {
      return Optional.of(MLP);
    }
    if (name.equals("linear") && version == 1) {
      return Optional.of(LINEAR);
    }
    return Optional.empty();
  }

  @Override
  public Set<Long> versions(String name) {
    return name.equals("mlp") ? Set.of(1L, 2L) : name.equals("linear") ? Set.of(1L) : Set.of();
  }

  @Override
  public Optional<ParamSpecs> optimizer(String name) {
    return Optional.ofNullable(OPTIMIZERS.get(name));
  }

  @Override
  public Set<String> scheduleNames() {
    return SCHEDULES.keySet();
  }

  @Override
  public Optional<ParamSpecs> schedule(String name) {
    return Optional.ofNullable(SCHEDULES.get(name));
  }
}
