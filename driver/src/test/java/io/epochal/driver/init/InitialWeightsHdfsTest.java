package io.epochal.driver.init;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.checkpoint.MiniHdfs;
import io.epochal.safetensors.SafetensorsIndex;
import io.epochal.safetensors.SafetensorsShards;
import io.epochal.safetensors.SafetensorsWriter;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Starting weights read from a real HDFS (one DataNode on loopback): a file and a sharded state. */
class InitialWeightsHdfsTest {

  @TempDir
  Path tmp;

  private static byte[] bytes(StateDict tensors) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    SafetensorsWriter.write(tensors, out);
    return out.toByteArray();
  }

  private static void put(FileSystem fs, String path, byte[] content) throws Exception {
    try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(path))) {
      out.write(content);
    }
  }

  @Test
  void weightsOnHdfsAreReadAndHashedAsLocalOnes() throws Exception {
    float[] values = new float[300_000]; // more than one packet of the HDFS stream
    for (int i = 0; i < values.length; i++) {
      values[i] = (float) Math.sin(i);
    }
    StateDict weights = StateDict.builder().put("fc.weight", Tensor.ofFloats(new long[] {1000, 300}, values))
        .put("fc.bias", Tensor.ofFloats(new long[] {2}, 0.5f, -0.5f)).build();
    try (MiniHdfs hdfs = MiniHdfs.start(tmp.resolve("hdfs").toFile())) {
      FileSystem fs = hdfs.fileSystem();
      byte[] file = bytes(weights);
      put(fs, hdfs.uri() + "/weights/w.safetensors", file);
      List<StateDict> shards = SafetensorsShards.split(weights, 1 << 20);
      SafetensorsIndex index = SafetensorsShards.index("model.safetensors", shards);
      MessageDigest sharded = MessageDigest.getInstance("SHA-256");
      put(fs, hdfs.uri() + "/hf/model.safetensors.index.json", index.toJson());
      sharded.update(index.toJson());
      for (int i = 0; i < shards.size(); i++) {
        byte[] shard = bytes(shards.get(i));
        put(fs, hdfs.uri() + "/hf/" + SafetensorsShards.shardName("model.safetensors", i + 1, shards.size()), shard);
        sharded.update(shard);
      }
      InitialWeightsReader reader = new InitialWeightsReader(hdfs.conf());

      InitialWeights one = reader.read(hdfs.uri() + "/weights/w.safetensors", "");
      assertThat(one.tensors()).isEqualTo(weights);
      assertThat(one.sha256()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(file)));
      InitialWeights folder = reader.read(hdfs.uri() + "/hf", "");
      assertThat(shards).hasSizeGreaterThan(1);
      assertThat(folder.tensors()).isEqualTo(weights);
      assertThat(folder.sha256()).isEqualTo(HexFormat.of().formatHex(sharded.digest()));
    }
  }
}
