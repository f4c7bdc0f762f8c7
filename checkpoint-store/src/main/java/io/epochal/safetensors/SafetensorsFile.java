package io.epochal.safetensors;

import static com.google.common.base.Preconditions.checkNotNull;

import io.epochal.tensor.StateDict;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The content of one safetensors file: its tensors in header order and its {@code __metadata__}
 * string map (empty when the file has none). Immutable.
 */
public final class SafetensorsFile {

  private final StateDict tensors;
  private final Map<String, String> metadata;

  /** A file holding {@code tensors} and {@code metadata} (copied, order kept). */
  public SafetensorsFile(StateDict tensors, Map<String, String> metadata) {
    this.tensors = checkNotNull(tensors, "tensors");
    checkNotNull(metadata, "metadata");
    this.metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
  }

  /** The tensors, in the order the header lists them. */
  public StateDict tensors() {
    return tensors;
  }

  /** The {@code __metadata__} map; empty when absent. */
  public Map<String, String> metadata() {
    return metadata;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof SafetensorsFile)) {
      return false;
    }
    SafetensorsFile f = (SafetensorsFile) o;
    return tensors.equals(f.tensors) && metadata.equals(f.metadata);
  }

  @Override
  public int hashCode() {
    return Objects.hash(tensors, metadata);
  }

  @Override
  public String toString() {
    return "SafetensorsFile{" + tensors + ", metadata=" + metadata + "}";
  }
}
