package io.epochal.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class SafetensorsShardsTest {

  private static Tensor floats(int n) {
    return Tensor.ofFloats(new long[] {n}, new float[n]);
  }

  private static StateDict dict() {
    return StateDict.builder().put("a", floats(10)).put("b", floats(10)).put("c", floats(40))
        .put("d", floats(5)).put("e", floats(5)).build(); // 40, 40, 160, 20, 20 bytes
  }

  @Test
  void splitFillsShardsInOrderAndGivesAnOversizedTensorItsOwnShard() {
    List<StateDict> shards = SafetensorsShards.split(dict(), 100);
    assertThat(shards.stream().map(StateDict::nameList).collect(Collectors.toList()))
        .containsExactly(List.of("a", "b"), List.of("c"), List.of("d", "e"));
    StateDict.Builder joined = StateDict.builder();
    shards.forEach(joined::putAll);
    assertThat(joined.build()).isEqualTo(dict());
    assertThat(SafetensorsShards.split(dict(), 1000)).containsExactly(dict());
  }

  @Test
  void shardNamesFollowTheHuggingFaceConvention() {
    assertThat(SafetensorsShards.shardName("model.safetensors", 1, 4)).isEqualTo("model-00001-of-00004.safetensors");
    assertThat(SafetensorsShards.shardName("optimizer.safetensors", 12, 12))
        .isEqualTo("optimizer-00012-of-00012.safetensors");
    assertThat(SafetensorsIndex.indexName("model.safetensors")).isEqualTo("model.safetensors.index.json");
    assertThatThrownBy(() -> SafetensorsShards.shardName("model.bin", 1, 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("model.bin");
    assertThatThrownBy(() -> SafetensorsShards.shardName("model.safetensors", 3, 2))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("shard index 3");
  }

  @Test
  void indexIsTheHuggingFaceJsonAndRoundTrips() throws Exception {
    SafetensorsIndex index = SafetensorsShards.index("model.safetensors", SafetensorsShards.split(dict(), 100));
    JsonNode json = new ObjectMapper().readTree(index.toJson());
    assertThat(json.path("metadata").path("total_size").longValue()).isEqualTo(280);
    assertThat(json.path("weight_map").path("c").textValue()).isEqualTo("model-00002-of-00003.safetensors");
    assertThat(json.path("weight_map").path("e").textValue()).isEqualTo("model-00003-of-00003.safetensors");
    SafetensorsIndex back = SafetensorsIndex.parse(index.toJson(), "model.safetensors.index.json");
    assertThat(back).isEqualTo(index);
    assertThat(back.weightMap().keySet()).containsExactly("a", "b", "c", "d", "e");
    assertThat(back.shardFiles()).containsExactly("model-00001-of-00003.safetensors",
        "model-00002-of-00003.safetensors", "model-00003-of-00003.safetensors");
    assertThat(back.tensorsOf("model-00003-of-00003.safetensors")).containsExactly("d", "e");
  }

  @Test
  void anIndexWithoutTotalSizeAsMergekitWritesOneIsReadAndAnyTensorNameASafetensorsHeaderTakesRoundTrips()
      throws Exception {
    byte[] mergekit = "{\"metadata\":{\"mergekit_version\":\"0.1.2\"},\"weight_map\":{\"a\":\"m-1.safetensors\"}}"
        .getBytes(StandardCharsets.UTF_8);
    SafetensorsIndex undeclared = SafetensorsIndex.parse(mergekit, "model.safetensors.index.json");
    assertThat(undeclared.totalSize()).isEqualTo(SafetensorsIndex.UNDECLARED);
    assertThat(undeclared.shardFiles()).containsExactly("m-1.safetensors");
    byte[] fraction = "{\"metadata\":{\"total_size\":16.125},\"weight_map\":{\"a\":\"m-1.safetensors\"}}"
        .getBytes(StandardCharsets.UTF_8); // transformers up to 4.41, a bool tensor's bytes counted as 1/8 each
    assertThat(SafetensorsIndex.parse(fraction, "model.safetensors.index.json").totalSize())
        .isEqualTo(SafetensorsIndex.UNDECLARED);

    String longName = "n".repeat(50_001); // over Jackson's default limit of a field name
    SafetensorsIndex named = new SafetensorsIndex(4, java.util.Map.of(longName, "m-1.safetensors"));
    assertThat(SafetensorsIndex.parse(named.toJson(), "x.index.json")).isEqualTo(named);
  }

  @Test
  void malformedIndexIsRefusedNamingTheFileAndField() {
    byte[] badTotal = "{\"metadata\":{\"total_size\":\"4\"},\"weight_map\":{}}".getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> SafetensorsIndex.parse(badTotal, "x.index.json"))
        .isInstanceOf(SafetensorsFormatException.class).hasMessageContaining("x.index.json")
        .hasMessageContaining("total_size");
    byte[] badFile = "{\"metadata\":{\"total_size\":4},\"weight_map\":{\"a\":\"../evil\"}}"
        .getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> SafetensorsIndex.parse(badFile, "x.index.json"))
        .isInstanceOf(SafetensorsFormatException.class).hasMessageContaining("tensor 'a'");
    byte[] twice = "{\"metadata\":{\"total_size\":4},\"weight_map\":{\"a\":\"s\",\"a\":\"t\"}}"
        .getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> SafetensorsIndex.parse(twice, "x.index.json"))
        .isInstanceOf(SafetensorsFormatException.class).hasMessageContaining("x.index.json");
    byte[] trailing = "{\"metadata\":{\"total_size\":0},\"weight_map\":{}} {\"weight_map\":{}}"
        .getBytes(StandardCharsets.UTF_8);
    assertThatThrownBy(() -> SafetensorsIndex.parse(trailing, "x.index.json"))
        .isInstanceOf(SafetensorsFormatException.class).hasMessageContaining("x.index.json");
  }
}
