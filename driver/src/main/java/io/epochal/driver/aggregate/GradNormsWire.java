package io.epochal.driver.aggregate;

import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.epochal.worker.round.GradNorms;

/**
 * The Kryo wire form of {@link GradNorms} inside a round result or a shard piece: the step count as
 * a varint, then, only when it is above 0, the sum and the largest norm as doubles and the clipped
 * steps as a varint (one byte for a job without clipping).
 */
public final class GradNormsWire {

  private GradNormsWire() {}

  /** Writes {@code norms}. */
  public static void write(Output output, GradNorms norms) {
    output.writeVarLong(norms.steps(), true);
    if (norms.steps() > 0) {
      output.writeDouble(norms.sum());
      output.writeDouble(norms.max());
      output.writeVarLong(norms.clipped(), true);
    }
  }

  /** Reads what {@link #write} wrote. */
  public static GradNorms read(Input input) {
    long steps = input.readVarLong(true);
    return steps == 0 ? GradNorms.NONE
        : new GradNorms(steps, input.readDouble(), input.readDouble(), input.readVarLong(true));
  }
}
