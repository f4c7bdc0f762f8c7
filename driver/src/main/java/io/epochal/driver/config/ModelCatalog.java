package io.epochal.driver.config;

import io.epochal.params.ParamSpecs;
import java.util.Optional;
import java.util.Set;

/**
 * What the job spec needs to know about models, optimizers and learning-rate schedules to
 * validate their hyperparameters before a job starts. The application wires this to the worker's
 * model registry and optimizers.
 */
public interface ModelCatalog {

  /** The registered model names, for listings and "did you mean" suggestions. */
  Set<String> modelNames();

  /**
   * The hyperparameter declarations of model {@code name} at {@code version} (keys without the
   * {@code model.} prefix), or empty if no such model and version is registered.
   */
  Optional<ParamSpecs> model(String name, long version);

  /** The registered versions of model {@code name}; empty if the model is unknown. */
  Set<Long> versions(String name);

  /**
   * The hyperparameter declarations of optimizer {@code name} ({@code sgd}, {@code adam},
   * {@code adamw}; keys without the {@code optimizer.} prefix), or empty if unknown.
   */
  Optional<ParamSpecs> optimizer(String name);

  /** The registered learning-rate schedule names. */
  Set<String> scheduleNames();

  /**
   * The hyperparameter declarations of schedule {@code name} (keys without the {@code schedule.}
   * prefix), or empty if unknown.
   */
  Optional<ParamSpecs> schedule(String name);

  /**
   * The schedules that read schedule hyperparameter {@code key} (without the {@code schedule.}
   * prefix); a key set for a schedule that does not read it is refused. By default every schedule
   * reads every key.
   */
  default Set<String> scheduleKeyUsers(String key) {
    return scheduleNames();
  }

  /**
   * Checks optimizer {@code name}'s values ({@code optimizer.*} keys without the prefix) as a
   * worker checks them when it creates the optimizer: ranges a declaration cannot express and keys
   * that depend on each other. By default nothing more than the declarations.
   *
   * @throws IllegalArgumentException naming the key and its value
   */
  default void checkOptimizerValues(String name, io.epochal.params.HyperParameters values) {}

  /**
   * Whether optimizer {@code name} with {@code values} can take the momentum a schedule sets before every step
   * ({@code schedule.cycle_momentum}): sgd and rmsprop only with a momentum above 0. By default it can.
   */
  default boolean takesScheduledMomentum(String name, io.epochal.params.HyperParameters values) {
    return true;
  }

  /**
   * Whether optimizer {@code name} can take a scheduled momentum of 0 ({@code schedule.base_momentum}
   * or {@code schedule.max_momentum} = 0): sgd and rmsprop cannot. By default it can.
   */
  default boolean takesZeroStepMomentum(String name) {
    return true;
  }

  /**
   * Checks schedule {@code name}'s values ({@code schedule.*} keys without the prefix and the name)
   * for base rate {@code lr} as a worker checks them when it creates the schedule. By default
   * nothing more than the declarations.
   *
   * @throws IllegalArgumentException naming the key and its value
   */
  default void checkScheduleValues(String name, io.epochal.params.HyperParameters values, double lr) {}

  /**
   * The names of the trainable parameters of model {@code name} v{@code version} built with
   * {@code values} (its own hyperparameters), in its state dict's order, for the check of {@code
   * train.freeze}; empty when the catalog cannot build models (the patterns are then not checked).
   */
  default java.util.Optional<java.util.List<String>> trainableParameters(String name, long version,
      io.epochal.params.HyperParameters values) {
    return java.util.Optional.empty();
  }

  /**
   * The outputs of model {@code name} v{@code version} built with {@code values} (its own hyperparameters): a
   * classification's classes, for the check of {@code loss.class_weights}; empty when the catalog cannot build models.
   */
  default java.util.OptionalInt outputs(String name, long version, io.epochal.params.HyperParameters values) {
    return java.util.OptionalInt.empty();
  }
}
