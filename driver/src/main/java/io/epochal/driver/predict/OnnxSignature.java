package io.epochal.driver.predict;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * What an ONNX model declares about its tensors, as far as batch inference needs it: the float
 * input's name and one sample's shape (the declared shape without the batch dimension), the output's
 * name and its size per row, and whether its outputs are a classification's logits. Immutable; sent
 * to tasks inside the task closure.
 */
public final class OnnxSignature implements Serializable {

  private static final long serialVersionUID = 1L;

  private final String inputName;
  private final long[] sampleShape;
  private final String outputName;
  private final int outputSize;
  private final boolean classification;

  /**
   * A signature whose outputs are a classification's logits when there are several of them, as for
   * an ONNX model that does not say (another exporter's).
   *
   * @throws IllegalArgumentException when a name is empty, a sample dimension is not positive or
   *     {@code outputSize < 1}
   */
  public OnnxSignature(String inputName, long[] sampleShape, String outputName, int outputSize) {
    this(inputName, sampleShape, outputName, outputSize, outputSize > 1);
  }

  /**
   * A signature whose outputs are a classification's logits if {@code classification} (as an Epochal
   * export records it, {@code epochal.classification}).
   *
   * @throws IllegalArgumentException when a name is empty, a sample dimension is not positive or
   *     {@code outputSize < 1}
   */
  public OnnxSignature(String inputName, long[] sampleShape, String outputName, int outputSize,
      boolean classification) {
    this.inputName = checkNotNull(inputName, "inputName");
    this.outputName = checkNotNull(outputName, "outputName");
    this.sampleShape = checkNotNull(sampleShape, "sampleShape").clone();
    checkArgument(sampleShape.length >= 1 && Arrays.stream(sampleShape).allMatch(d -> d >= 1),
        "sample shape must have positive dimensions, got %s", Arrays.toString(sampleShape));
    checkArgument(outputSize >= 1, "output size must be >= 1, got %s", outputSize);
    this.outputSize = outputSize;
    this.classification = classification;
  }

  /** Whether the outputs are a classification's logits (else regression values). */
  public boolean classification() {
    return classification;
  }

  /** The model's input, fed {@code [rows, sampleShape...]} floats. */
  public String inputName() {
    return inputName;
  }

  /** One sample's shape: the declared input shape without its first (batch) dimension. */
  public long[] sampleShape() {
    return sampleShape.clone();
  }

  /** Values per sample: the product of {@link #sampleShape()}. */
  public int featureSize() {
    return Math.toIntExact(Arrays.stream(sampleShape).reduce(1, (a, b) -> a * b));
  }

  /** The output read, {@code [rows, outputSize]} floats. */
  public String outputName() {
    return outputName;
  }

  /** Outputs per row. */
  public int outputSize() {
    return outputSize;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof OnnxSignature)) {
      return false;
    }
    OnnxSignature s = (OnnxSignature) o;
    return inputName.equals(s.inputName) && Arrays.equals(sampleShape, s.sampleShape)
        && outputName.equals(s.outputName) && outputSize == s.outputSize
        && classification == s.classification;
  }

  @Override
  public int hashCode() {
    return Objects.hash(inputName, Arrays.hashCode(sampleShape), outputName, outputSize, classification);
  }

  @Override
  public String toString() {
    return "input '" + inputName + "' [batch, " + Arrays.toString(sampleShape).replaceAll("[\\[\\]]", "")
        + "] -> output '" + outputName + "' [batch, " + outputSize + "]" + (classification ? " (logits)" : "");
  }
}
