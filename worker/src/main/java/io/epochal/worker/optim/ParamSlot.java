package io.epochal.worker.optim;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.ndarray.NDArray;

/**
 * One parameter handed to {@link Optimizer#step}: its PyTorch-style name (the key of its
 * optimizer state, e.g. {@code net.0.weight}), the weight array updated in place, and its
 * gradient.
 *
 * <p>A {@code null} gradient means the parameter took no part in the loss: like a torch parameter
 * whose {@code grad} is {@code None}, it is skipped (not updated, its step count not advanced).
 * Equality is by name and array identity, since arrays are mutable native handles.
 *
 * @param name the parameter's name, non-empty and unique within one step
 * @param weight the weight, a float32 array updated in place
 * @param grad the gradient of the same shape, or {@code null} to skip the parameter
 */
public record ParamSlot(String name, NDArray weight, NDArray grad) {

  /** Checks name and weight. */
  public ParamSlot {
    checkNotNull(name, "name");
    checkArgument(!name.isEmpty(), "parameter name must not be empty");
    checkNotNull(weight, "weight of parameter '%s'", name);
  }

  /** A slot for {@code name}. */
  public static ParamSlot of(String name, NDArray weight, NDArray grad) {
    return new ParamSlot(name, weight, grad);
  }

  /** Whether the parameter has a gradient and is therefore updated. */
  public boolean hasGrad() {
    return grad != null;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ParamSlot)) {
      return false;
    }
    ParamSlot p = (ParamSlot) o;
    return name.equals(p.name) && weight == p.weight && grad == p.grad;
  }

  @Override
  public int hashCode() {
    return 31 * (31 * name.hashCode() + System.identityHashCode(weight)) + System.identityHashCode(grad);
  }

  @Override
  public String toString() {
    return "ParamSlot[" + name + " " + weight.getShape() + (grad == null ? ", no grad" : "") + "]";
  }
}
