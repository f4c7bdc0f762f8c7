package io.epochal.driver.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.epochal.worker.data.DataShard;

/**
 * Kryo wire format of a {@link DataShard}: worker, rows, feature shape, label width, then the
 * feature and label floats as fixed 4-byte values (no boxing).
 */
public final class DataShardSerializer extends Serializer<DataShard> {

  /** A serializer for immutable data shards. */
  public DataShardSerializer() {
    super(false, true);
  }

  @Override
  public void write(Kryo kryo, Output output, DataShard shard) {
    output.writeVarInt(shard.worker(), true);
    output.writeVarInt(shard.rows(), true);
    long[] shape = shard.featureShape();
    output.writeVarInt(shape.length, true);
    for (long d : shape) {
      output.writeVarLong(d, true);
    }
    output.writeVarInt(shard.labelWidth(), true);
    float[] features = shard.features();
    output.writeVarInt(features.length, true);
    output.writeFloats(features);
    float[] labels = shard.labels();
    output.writeVarInt(labels.length, true);
    output.writeFloats(labels);
    float[] weights = shard.weights();
    output.writeBoolean(weights != null);
    if (weights != null) {
      output.writeFloats(weights);
    }
  }

  @Override
  public DataShard read(Kryo kryo, Input input, Class<DataShard> type) {
    int worker = input.readVarInt(true);
    int rows = input.readVarInt(true);
    long[] shape = new long[input.readVarInt(true)];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = input.readVarLong(true);
    }
    int labelWidth = input.readVarInt(true);
    float[] features = input.readFloats(input.readVarInt(true));
    float[] labels = input.readFloats(input.readVarInt(true));
    float[] weights = input.readBoolean() ? input.readFloats(rows) : null;
    return new DataShard(worker, rows, shape, labelWidth, features, labels, weights);
  }
}
