package io.epochal.driver.bench;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.List;
import java.util.Objects;

/**
 * The shape of a {@code mlp} v1 with two equal hidden layers, {@code input-hidden-hidden-output}, and
 * how many parameters it has. {@link #forParams} picks the hidden width that comes closest to a
 * target parameter count.
 */
final class MlpShape {

  private final int input;
  private final int hidden;
  private final int output;

  MlpShape(int input, int hidden, int output) {
    checkArgument(input >= 1 && hidden >= 1 && output >= 1, "mlp dims must be >= 1, got %s-%s-%s-%s", input,
        hidden, hidden, output);
    this.input = input;
    this.hidden = hidden;
    this.output = output;
  }

  /** The shape with {@code input} features and {@code output} classes closest to {@code targetParams}. */
  static MlpShape forParams(int input, int output, long targetParams) {
    checkArgument(targetParams > 0, "target parameter count must be > 0, got %s", targetParams);
    // params = h^2 + (input + output + 2) h + output
    double b = input + output + 2.0;
    double h = (-b + Math.sqrt(b * b + 4.0 * (targetParams - output))) / 2.0;
    return new MlpShape(input, (int) Math.max(1, Math.round(h)), output);
  }

  int input() {
    return input;
  }

  int hidden() {
    return hidden;
  }

  int output() {
    return output;
  }

  /** Weights and biases of the three linear layers. */
  long params() {
    long h = hidden;
    return input * h + h + h * h + h + h * output + output;
  }

  /** The {@code model.hidden} value. */
  String hiddenKey() {
    return hidden + "," + hidden;
  }

  /** Hidden widths as a list. */
  List<Integer> hiddenList() {
    return List.of(hidden, hidden);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof MlpShape)) {
      return false;
    }
    MlpShape s = (MlpShape) o;
    return input == s.input && hidden == s.hidden && output == s.output;
  }

  @Override
  public int hashCode() {
    return Objects.hash(input, hidden, output);
  }

  @Override
  public String toString() {
    return "mlp " + input + "-" + hidden + "-" + hidden + "-" + output;
  }
}
