package io.epochal.worker.optim;

import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import java.util.List;

/**
 * A stateful optimizer following one of {@code torch.optim}'s update equations exactly, whose
 * whole state can be saved and restored as a {@link StateDict}.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>{@link #step} updates every weight with a gradient in place (the same {@code NDArray}
 *       objects, so a DJL model's parameters see the change) and never modifies a gradient. It
 *       runs with autograd recording switched off, like torch's {@code optimizer.step()}, so it
 *       may be called inside or outside a {@code GradientCollector}; zeroing the gradients for
 *       the next step is the caller's job.
 *   <li>State is per parameter name and created lazily on the first step that parameter has a
 *       gradient (as in torch); {@link #stateDict()} before any step is empty.
 *   <li>Tensor names: {@code <param>.step} (F32 0-d, the number of updates this parameter has had,
 *       as torch stores it), {@code <param>.exp_avg}, {@code <param>.exp_avg_sq},
 *       {@code <param>.max_exp_avg_sq} (Adam/AdamW, the last only with amsgrad),
 *       {@code <param>.momentum_buffer} (SGD with momentum; torch's SGD keeps no step). All F32,
 *       full precision, in the order parameters were first stepped.
 *   <li>{@link #loadStateDict} is strict and all-or-nothing. Saving, loading into a fresh
 *       optimizer with the same hyperparameters and continuing gives weights bit-identical to an
 *       uninterrupted run.
 *   <li>State arrays live in a sub-manager of the {@code NDManager} given at construction (and on
 *       its device); {@link #close()} frees them. The learning rate is passed to every step, so a
 *       schedule stays outside the optimizer.
 * </ul>
 *
 * <p>Not thread-safe: one optimizer belongs to one training loop.
 */
public interface Optimizer extends AutoCloseable {

  /** The registry name: {@code sgd}, {@code adam}, {@code adamw} or {@code rmsprop}. */
  String name();

  /** The resolved hyperparameters this optimizer was created with. */
  HyperParameters hyperParameters();

  /**
   * How it treats each parameter, as torch's parameter groups: a parameter steps at the rate given to {@link #step}
   * times its group's scale (exactly that rate at scale 1), and is decayed by the configured {@code weight_decay}
   * unless its group is not decayed.
   */
  ParamGroups paramGroups();

  /**
   * One optimizer step over {@code params} with learning rate {@code lr} (the scheduled rate for
   * this step, not the base rate; a parameter's {@link #paramGroups() group} may scale it).
   *
   * <p>All parameters are checked before any weight changes: names unique, weights float32,
   * gradients of the weight's shape, existing state of the weight's shape, and after
   * {@link #loadStateDict} the loaded parameter names matching {@code params}.
   *
   * @throws IllegalArgumentException naming the parameter (or state tensor) that does not fit,
   *     or if {@code lr} is negative or not finite
   * @throws IllegalStateException if the optimizer is closed
   */
  void step(List<ParamSlot> params, double lr);

  /**
   * As {@link #step(List, double)}, with {@code momentum} in place of the configured momentum ({@code sgd}, {@code
   * rmsprop}) or first beta ({@code adam}, {@code adamw}) for this step: what torch's {@code OneCycleLR} with {@code
   * cycle_momentum=True} sets in the optimizer's parameter group before every step. Adam's bias correction takes this
   * step's beta1, as torch's does ({@code 1 - beta1^t}).
   *
   * @throws IllegalArgumentException as {@link #step(List, double)} does, if {@code momentum} is not in [0, 1), or if
   *     the optimizer ({@code sgd}, {@code rmsprop}) was configured without momentum and so keeps no momentum buffer
   * @throws IllegalStateException if the optimizer is closed
   */
  void step(List<ParamSlot> params, double lr, double momentum);

  /** A copy of the whole optimizer state (empty before the first step). */
  StateDict stateDict();

  /**
   * Replaces the whole state with {@code state}, which must be exactly what this optimizer's
   * {@link #stateDict()} would hold: for every parameter in it, each tensor this optimizer keeps
   * (and no other), F32, the step 0-d and integral, the buffers of one shape. Which parameters
   * must be present is checked at the next {@link #step}: then every parameter with a gradient
   * must have loaded state (unless {@code state} is empty, which resets the optimizer), every
   * loaded parameter must be among the step's parameters, and every buffer must have its weight's
   * shape.
   *
   * @throws IllegalArgumentException listing each missing, unexpected or wrongly shaped tensor;
   *     the previous state is then kept
   * @throws IllegalStateException if the optimizer is closed
   */
  void loadStateDict(StateDict state);

  /**
   * As {@link #loadStateDict(StateDict)}, except that the parameters {@code startingFresh} names may have no state in
   * {@code state} though they have a gradient at the next step: parameters trained from this step on after they were
   * frozen, whose state the next step creates, as torch's optimizers create a parameter's state at its first step.
   *
   * @throws IllegalArgumentException as {@link #loadStateDict(StateDict)} does
   * @throws IllegalStateException if the optimizer is closed
   */
  void loadStateDict(StateDict state, java.util.Set<String> startingFresh);

  /** Frees the state arrays; the optimizer cannot be used afterwards. Idempotent. */
  @Override
  void close();
}
