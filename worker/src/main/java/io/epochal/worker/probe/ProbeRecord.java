package io.epochal.worker.probe;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.google.common.hash.Hashing;
import io.epochal.tensor.DType;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.util.Arrays;

/**
 * What a checkpoint records to prove it reproduces its model: a fixed input, the model's output on
 * it in evaluation mode at save time, and the SHA-256 (lowercase hex) of the output's
 * little-endian bytes. Immutable; stored as {@code probe.safetensors} via {@link #toStateDict()}.
 */
public final class ProbeRecord {

  /** The state-dict name of the input. */
  public static final String INPUT = "probe.input";
  /** The state-dict name of the output. */
  public static final String OUTPUT = "probe.output";

  private final Tensor input;
  private final Tensor output;
  private final String sha256;

  private ProbeRecord(Tensor input, Tensor output) {
    this.input = checkNotNull(input, "input");
    this.output = checkNotNull(output, "output");
    checkArgument(input.dtype() == DType.F32 && output.dtype() == DType.F32,
        "probe tensors must be F32, got input %s and output %s", input.dtype(), output.dtype());
    checkArgument(input.rank() >= 1 && output.rank() == 2 && input.dim(0) == output.dim(0),
        "probe output %s must be [batch, outputs] for input %s", Arrays.toString(output.shape()),
        Arrays.toString(input.shape()));
    this.sha256 = digest(output);
  }

  /**
   * A record of {@code output} computed from {@code input}.
   *
   * @throws IllegalArgumentException unless both are F32 and the output is [batch, outputs]
   */
  public static ProbeRecord of(Tensor input, Tensor output) {
    return new ProbeRecord(input, output);
  }

  /** The SHA-256 hex digest of a tensor's data bytes. */
  public static String digest(Tensor tensor) {
    return Hashing.sha256().hashBytes(tensor.data()).toString();
  }

  /** The fixed input, {@code [batch, inputShape...]}. */
  public Tensor input() {
    return input;
  }

  /** The output at save time, {@code [batch, outputs]}. */
  public Tensor output() {
    return output;
  }

  /** SHA-256 of the output bytes, lowercase hex (the manifest's probe digest). */
  public String sha256() {
    return sha256;
  }

  /** {@code probe.input} and {@code probe.output}. */
  public StateDict toStateDict() {
    return StateDict.builder().put(INPUT, input).put(OUTPUT, output).build();
  }

  /**
   * Reads a record written by {@link #toStateDict()}.
   *
   * @throws IllegalArgumentException naming the missing or malformed tensor
   */
  public static ProbeRecord fromStateDict(StateDict state) {
    checkNotNull(state, "state");
    checkArgument(state.size() == 2 && state.contains(INPUT) && state.contains(OUTPUT),
        "a probe state dict holds exactly '%s' and '%s', got %s", INPUT, OUTPUT, state.names());
    return new ProbeRecord(state.get(INPUT), state.get(OUTPUT));
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ProbeRecord && input.equals(((ProbeRecord) o).input)
        && output.equals(((ProbeRecord) o).output);
  }

  @Override
  public int hashCode() {
    return input.hashCode() * 31 + output.hashCode();
  }

  @Override
  public String toString() {
    return "ProbeRecord[input " + Arrays.toString(input.shape()) + ", output "
        + Arrays.toString(output.shape()) + ", sha256 " + sha256 + "]";
  }
}
