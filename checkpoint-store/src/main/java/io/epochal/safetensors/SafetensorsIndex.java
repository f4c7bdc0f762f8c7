package io.epochal.safetensors;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The index of a sharded safetensors state ({@code model.safetensors.index.json}), in the Hugging
 * Face layout: {@code {"metadata": {"total_size": N}, "weight_map": {"tensor name": "shard file"}}}.
 * {@code total_size} is the sum of the tensors' data bytes (headers excluded). The weight map keeps
 * the state dict's order, so a reader can restore it. Immutable.
 */
public final class SafetensorsIndex {

  /** Suffix of an index file name: {@code model.safetensors} becomes {@code model.safetensors.index.json}. */
  public static final String INDEX_SUFFIX = ".index.json";

  /** {@link #totalSize()} of an index that declares none. */
  public static final long UNDECLARED = -1;

  /** The most bytes an index file may have; a reader refuses a larger one before it reads it. */
  public static final long MAX_BYTES = 100_000_000L;

  // names as long as a safetensors header takes them (Jackson's default limit is 50,000 characters)
  private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder()
          .maxStringLength(HeaderBudget.MAX_STRING_CHARS).maxNameLength(HeaderBudget.MAX_STRING_CHARS).build())
      .build())
      .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private final long totalSize;
  private final Map<String, String> weightMap;

  /**
   * An index of {@code totalSize} tensor bytes whose tensors live in the files {@code weightMap}
   * names (copied, order kept).
   */
  public SafetensorsIndex(long totalSize, Map<String, String> weightMap) {
    this(weightMap, totalSize);
    checkArgument(totalSize >= 0, "total_size of a safetensors index must be >= 0, got %s", totalSize);
  }

  /** As above; {@code totalSize} may be {@link #UNDECLARED}. */
  private SafetensorsIndex(Map<String, String> weightMap, long totalSize) {
    checkArgument(totalSize >= UNDECLARED, "total_size of a safetensors index must be >= 0, got %s", totalSize);
    checkNotNull(weightMap, "weightMap");
    weightMap.forEach((k, v) -> {
      checkArgument(k != null && !k.isEmpty(), "weight_map has an empty tensor name");
      checkArgument(v != null && !v.isEmpty() && !v.contains("/"),
          "weight_map file of tensor '%s' must be a plain file name, got '%s'", k, v);
    });
    this.totalSize = totalSize;
    this.weightMap = Collections.unmodifiableMap(new LinkedHashMap<>(weightMap));
  }

  /** The index file name of a sharded {@code fileName}: {@code model.safetensors.index.json}. */
  public static String indexName(String fileName) {
    return fileName + INDEX_SUFFIX;
  }

  /**
   * Sum of the tensors' data bytes, or {@link #UNDECLARED} when the index does not declare it as a whole number
   * (other tools' indexes, mergekit's, may leave it out; transformers up to 4.41 counted a bool's bytes as 1/8,
   * writing a fraction that no loader reads; Epochal's always have it).
   */
  public long totalSize() {
    return totalSize;
  }

  /** Tensor name to shard file name, in state dict order. */
  public Map<String, String> weightMap() {
    return weightMap;
  }

  /** The shard file names in order of first appearance in the weight map. */
  public List<String> shardFiles() {
    return new ArrayList<>(new LinkedHashSet<>(weightMap.values()));
  }

  /** The tensor names held by {@code shardFile}, in weight map order. */
  public List<String> tensorsOf(String shardFile) {
    List<String> out = new ArrayList<>();
    weightMap.forEach((k, v) -> {
      if (v.equals(shardFile)) {
        out.add(k);
      }
    });
    return out;
  }

  /** The index as compact UTF-8 JSON. */
  public byte[] toJson() {
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode metadata = root.putObject("metadata");
    if (totalSize != UNDECLARED) {
      metadata.put("total_size", totalSize);
    }
    ObjectNode map = root.putObject("weight_map");
    weightMap.forEach(map::put);
    try {
      return MAPPER.writeValueAsBytes(root);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("safetensors index cannot be serialized", e);
    }
  }

  /**
   * Parses an index file.
   *
   * @param file the file's name or path, used in messages
   * @throws SafetensorsFormatException if it is not an index, naming the file and the field
   */
  public static SafetensorsIndex parse(byte[] json, String file) throws SafetensorsFormatException {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new SafetensorsFormatException(file, "index is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new SafetensorsFormatException(file, "index cannot be parsed: " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new SafetensorsFormatException(file, "index is not a JSON object");
    }
    JsonNode total = root.path("metadata").path("total_size");
    boolean declared = total.isIntegralNumber() && total.canConvertToLong() && total.longValue() >= 0;
    // a fraction is a count of transformers up to 4.41 (a bool's bytes as 1/8 each), read by no loader: undeclared
    if (!declared && !total.isMissingNode() && !total.isFloatingPointNumber()) {
      throw new SafetensorsFormatException(file, "index's metadata.total_size is not a non-negative integer: "
          + total);
    }
    JsonNode map = root.get("weight_map");
    if (map == null || !map.isObject()) {
      throw new SafetensorsFormatException(file, "index has no object 'weight_map'");
    }
    Map<String, String> weights = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = map.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw new SafetensorsFormatException(file,
            "weight_map entry of tensor '" + e.getKey() + "' is not a file name: " + e.getValue());
      }
      weights.put(e.getKey(), e.getValue().textValue());
    }
    try {
      return new SafetensorsIndex(weights, declared ? total.longValue() : UNDECLARED);
    } catch (IllegalArgumentException e) {
      throw new SafetensorsFormatException(file, "index has an invalid entry: " + e.getMessage(), e);
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SafetensorsIndex)) {
      return false;
    }
    SafetensorsIndex i = (SafetensorsIndex) o;
    return totalSize == i.totalSize && List.copyOf(weightMap.entrySet()).equals(List.copyOf(i.weightMap.entrySet()));
  }

  @Override
  public int hashCode() {
    return Objects.hash(totalSize, weightMap);
  }

  @Override
  public String toString() {
    return "SafetensorsIndex{total_size=" + totalSize + ", " + weightMap.size() + " tensors in "
        + shardFiles().size() + " shards}";
  }
}
