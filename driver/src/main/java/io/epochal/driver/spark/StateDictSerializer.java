package io.epochal.driver.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.util.Map;

/**
 * Kryo wire format of a {@link StateDict}: the tensor count, then each name followed by its tensor
 * (through the tensor's registered serializer), in the state dict's order.
 */
public final class StateDictSerializer extends Serializer<StateDict> {

  /** A serializer for immutable state dicts. */
  public StateDictSerializer() {
    super(false, true);
  }

  @Override
  public void write(Kryo kryo, Output output, StateDict state) {
    output.writeVarInt(state.size(), true);
    for (Map.Entry<String, Tensor> e : state) {
      output.writeString(e.getKey());
      kryo.writeObject(output, e.getValue());
    }
  }

  @Override
  public StateDict read(Kryo kryo, Input input, Class<StateDict> type) {
    int count = input.readVarInt(true);
    StateDict.Builder b = StateDict.builder();
    for (int i = 0; i < count; i++) {
      String name = input.readString();
      b.put(name, kryo.readObject(input, Tensor.class));
    }
    return b.build();
  }
}
