package io.epochal.worker.model;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.nn.Parameter;

/**
 * A trainable parameter with its PyTorch state-dict name ({@code layers.0.weight}). The DJL
 * {@link Parameter}'s {@code getArray()} holds the live weight, and after a backward pass inside a
 * {@code GradientCollector}, {@code getArray().getGradient()} holds its gradient.
 *
 * <p>Equality is by name and parameter identity: the value wraps live engine state and is never
 * persisted.
 */
public final class NamedParameter {

  private final String name;
  private final Parameter parameter;

  /** A parameter named {@code name}. */
  public NamedParameter(String name, Parameter parameter) {
    checkNotNull(name, "name");
    checkArgument(!name.isEmpty(), "parameter name must not be empty");
    this.name = name;
    this.parameter = checkNotNull(parameter, "parameter '%s'", name);
  }

  /** The PyTorch state-dict name. */
  public String name() {
    return name;
  }

  /** The DJL parameter holding the weight array. */
  public Parameter parameter() {
    return parameter;
  }

  /** Shorthand for {@code parameter().getArray()}. */
  public ai.djl.ndarray.NDArray array() {
    return parameter.getArray();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NamedParameter && name.equals(((NamedParameter) o).name)
        && parameter == ((NamedParameter) o).parameter;
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + System.identityHashCode(parameter);
  }

  @Override
  public String toString() {
    return "NamedParameter[" + name + " " + parameter.getShape() + "]";
  }
}
