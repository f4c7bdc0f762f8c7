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
  /**
   * The state-dict name of the output of the model's moving average ({@code ema.safetensors}) on the same input, which
   * the probe file of a job with {@code train.ema_decay} holds beside the record ({@link #withAverage}).
   */
  public static final String AVERAGE_OUTPUT = "probe.ema_output";

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
   * {@link #toStateDict()} with {@code average}'s output (the moving average's record on the same input) as {@link
   * #AVERAGE_OUTPUT}.
   *
   * @throws IllegalArgumentException when {@code average} is of another input
   */
  public StateDict withAverage(ProbeRecord average) {
    checkArgument(average.input.equals(input), "the moving average's probe must run on the same input");
    return StateDict.builder().putAll(toStateDict()).put(AVERAGE_OUTPUT, average.output).build();
  }

  /**
   * Reads a record written by {@link #toStateDict()} (or {@link #withAverage}, whose average's output it leaves out).
   *
   * @throws IllegalArgumentException naming the missing or malformed tensor
   */
  public static ProbeRecord fromStateDict(StateDict state) {
    checkNotNull(state, "state");
    int expected = state.contains(AVERAGE_OUTPUT) ? 3 : 2;
    checkArgument(state.size() == expected && state.contains(INPUT) && state.contains(OUTPUT),
        "a probe state dict holds exactly '%s' and '%s', got %s (and '%s' of a job with a moving average)", INPUT,
        OUTPUT, state.names(), AVERAGE_OUTPUT);
    return new ProbeRecord(state.get(INPUT), state.get(OUTPUT));
  }

  /**
   * The moving average's record of a probe state dict written by {@link #withAverage}, if it holds one.
   *
   * @throws IllegalArgumentException naming the malformed tensor
   */
  public static java.util.Optional<ProbeRecord> averageFromStateDict(StateDict state) {
    ProbeRecord record = fromStateDict(state);
    if (!state.contains(AVERAGE_OUTPUT)) {
      return java.util.Optional.empty();
    }
    Tensor average = state.get(AVERAGE_OUTPUT);
    checkArgument(average.sameLayout(record.output), "'%s' is %s %s but '%s' is %s %s", AVERAGE_OUTPUT,
        average.dtype(), Arrays.toString(average.shape()), OUTPUT, record.output.dtype(),
        Arrays.toString(record.output.shape()));
    return java.util.Optional.of(new ProbeRecord(record.input, average));
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
