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
}
