package io.epochal.driver.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.epochal.tensor.StateDict;
import io.epochal.worker.round.RoundResult;

/**
 * Kryo wire format of a {@link RoundResult}: worker, samples, steps, loss sum, correct predictions
 * plus one (0 when not counted), what gradient clipping saw, the absolute errors' sum (NaN when not
 * measured), then the state.
 */
public final class RoundResultSerializer extends Serializer<RoundResult> {

  /** A serializer for immutable round results. */
  public RoundResultSerializer() {
    super(false, true);
  }

  @Override
  public void write(Kryo kryo, Output output, RoundResult result) {
    output.writeVarInt(result.worker(), true);
    output.writeVarLong(result.samples(), true);
    output.writeVarLong(result.steps(), true);
    output.writeDouble(result.lossSum());
    output.writeVarLong(result.correct() + 1, true); // NOT_COUNTED (-1) as 0
    io.epochal.driver.aggregate.GradNormsWire.write(output, result.gradNorms());
    output.writeDouble(result.absErrorSum()); // NaN when not measured
    kryo.writeObject(output, result.state());
  }

  @Override
  public RoundResult read(Kryo kryo, Input input, Class<RoundResult> type) {
    int worker = input.readVarInt(true);
    long samples = input.readVarLong(true);
    long steps = input.readVarLong(true);
    double lossSum = input.readDouble();
    long correct = input.readVarLong(true) - 1;
    io.epochal.worker.round.GradNorms norms = io.epochal.driver.aggregate.GradNormsWire.read(input);
    double absErrorSum = input.readDouble();
    StateDict state = kryo.readObject(input, StateDict.class);
    return new RoundResult(worker, samples, steps, lossSum, correct, norms, state).withAbsoluteErrors(absErrorSum);
  }
}
