package io.epochal.driver.app;

import io.epochal.driver.config.ModelCatalog;
import io.epochal.params.ParamSpec;
import io.epochal.params.ParamSpecs;
import io.epochal.worker.model.ModelFactory;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.optim.Optimizers;
import io.epochal.worker.schedule.LrSchedules;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The catalog of what a job spec may name: models from the {@link ModelRegistry} (including user
 * models on the classpath), Epochal's optimizers and learning-rate schedules.
 */
public final class RegistryModelCatalog implements ModelCatalog {

  private final com.google.common.base.Supplier<ModelRegistry> registry;

  /**
   * The catalog of the default registry (the context class loader's), loaded when a model is first
   * asked for: a command that needs no model runs whatever model jars are on the class path.
   */
  public RegistryModelCatalog() {
    this.registry = com.google.common.base.Suppliers.memoize(ModelRegistry::getDefault);
  }

  /** The catalog of {@code registry}. */
  public RegistryModelCatalog(ModelRegistry registry) {
    this.registry = () -> registry;
  }

  @Override
  public Set<String> modelNames() {
    Set<String> names = new TreeSet<>();
    for (ModelFactory f : registry.get().factories()) {
      names.add(f.name());
    }
    return names;
  }

  @Override
  public Optional<ParamSpecs> model(String name, long version) {
    ModelRegistry models = registry.get();
    if (version < 1 || version > Integer.MAX_VALUE) {
      return Optional.empty();
    }
    if (!models.contains(name, (int) version)) {
      if (!models.broken().isEmpty()) {
        models.get(name, (int) version); // it may be a factory that did not load: says which, and why
      }
      return Optional.empty();
    }
    return Optional.of(models.get(name, (int) version).params());
  }

  @Override
  public Set<Long> versions(String name) {
    Set<Long> versions = new TreeSet<>();
    for (ModelFactory f : registry.get().factories()) {
      if (f.name().equals(name)) {
        versions.add((long) f.version());
      }
    }
    return versions;
  }

  @Override
  public Optional<java.util.List<String>> trainableParameters(String name, long version,
      io.epochal.params.HyperParameters values) {
    try (io.epochal.worker.model.EpochalModel m = registry.get().create(name, Math.toIntExact(version), values)) {
      return Optional.of(m.trainableParameters().stream().map(io.epochal.worker.model.NamedParameter::name).toList());
    }
  }

  @Override
  public java.util.OptionalInt outputs(String name, long version, io.epochal.params.HyperParameters values) {
    try (io.epochal.worker.model.EpochalModel m = registry.get().create(name, Math.toIntExact(version), values)) {
      return java.util.OptionalInt.of(m.outputSize());
    }
  }

  @Override
  public Optional<ParamSpecs> optimizer(String name) {
    return Optimizers.NAMES.contains(name) ? Optional.of(Optimizers.params(name)) : Optional.empty();
  }

  @Override
  public Set<String> scheduleNames() {
    return new TreeSet<>(LrSchedules.NAMES);
  }

  @Override
  public Set<String> scheduleKeyUsers(String key) {
    return new TreeSet<>(LrSchedules.usedBy(key));
  }

  /** The schedule's keys without the name key, which the job spec holds as {@code schedule.name}. */
  @Override
  public Optional<ParamSpecs> schedule(String name) {
    if (!LrSchedules.NAMES.contains(name)) {
      return Optional.empty();
    }
    List<ParamSpec> specs = new ArrayList<>();
    for (ParamSpec s : LrSchedules.params(name).all()) {
      if (!s.name().equals("schedule")) {
        specs.add(s);
      }
    }
    return Optional.of(new ParamSpecs("schedule '" + name + "'", specs));
  }

  @Override
  public void checkOptimizerValues(String name, io.epochal.params.HyperParameters values) {
    Optimizers.check(name, values);
  }

  @Override
  public boolean takesScheduledMomentum(String name, io.epochal.params.HyperParameters values) {
    return Optimizers.takesScheduledMomentum(name, values);
  }

  @Override
  public boolean takesZeroStepMomentum(String name) {
    return Optimizers.takesZeroStepMomentum(name);
  }

  @Override
  public void checkScheduleValues(String name, io.epochal.params.HyperParameters values, double lr) {
    LrSchedules.create(lr, io.epochal.params.HyperParameters.builder().putAll(values).put("schedule", name).build());
  }
}
