package io.epochal.tensor;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * An immutable, ordered map from PyTorch-style dotted names ({@code layers.0.weight},
 * {@code bn1.running_mean}) to tensors: the unit a checkpoint file stores.
 *
 * <p>Iteration follows insertion order, which is also the order tensors are written in. Two state
 * dicts are equal when they hold the same names in the same order with equal tensors.
 */
public final class StateDict implements Iterable<Map.Entry<String, Tensor>> {

  private static final StateDict EMPTY = new StateDict(new LinkedHashMap<>());

  private final Map<String, Tensor> tensors;

  private StateDict(LinkedHashMap<String, Tensor> tensors) {
    this.tensors = Collections.unmodifiableMap(tensors);
  }

  /** The empty state dict. */
  public static StateDict empty() {
    return EMPTY;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** A state dict holding {@code tensors} in their iteration order. */
  public static StateDict of(Map<String, Tensor> tensors) {
    Builder b = builder();
    tensors.forEach(b::put);
    return b.build();
  }

  /** The tensor named {@code name}, or {@code null}. */
  public Tensor get(String name) {
    return tensors.get(name);
  }

  /**
   * The tensor named {@code name}.
   *
   * @throws IllegalArgumentException naming the missing key and the keys present
   */
  public Tensor require(String name) {
    Tensor t = tensors.get(name);
    checkArgument(t != null, "state dict has no tensor '%s'; it has %s", name, tensors.keySet());
    return t;
  }

  /** Whether a tensor named {@code name} is present. */
  public boolean contains(String name) {
    return tensors.containsKey(name);
  }

  /** The names in order. */
  public Set<String> names() {
    return tensors.keySet();
  }

  /** An unmodifiable, ordered view of the entries. */
  public Map<String, Tensor> asMap() {
    return tensors;
  }

  /** Number of tensors. */
  public int size() {
    return tensors.size();
  }

  /** Whether there are no tensors. */
  public boolean isEmpty() {
    return tensors.isEmpty();
  }

  /** Sum of the tensors' data bytes. */
  public long totalBytes() {
    long n = 0;
    for (Tensor t : tensors.values()) {
      n += t.byteSize();
    }
    return n;
  }

  /** The tensors whose names pass {@code filter}, in order. */
  public StateDict filter(Predicate<String> filter) {
    Builder b = builder();
    tensors.forEach((k, v) -> {
      if (filter.test(k)) {
        b.put(k, v);
      }
    });
    return b.build();
  }

  /** This state dict followed by {@code other}'s tensors; a name in both is an error. */
  public StateDict concat(StateDict other) {
    Builder b = builder();
    tensors.forEach(b::put);
    other.tensors.forEach(b::put);
    return b.build();
  }

  /** The names in order, as a list. */
  public List<String> nameList() {
    return List.copyOf(tensors.keySet());
  }

  @Override
  public Iterator<Map.Entry<String, Tensor>> iterator() {
    return tensors.entrySet().iterator();
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof StateDict)) {
      return false;
    }
    StateDict other = (StateDict) o;
    return nameList().equals(other.nameList()) && tensors.equals(other.tensors);
  }

  @Override
  public int hashCode() {
    return tensors.hashCode();
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("StateDict{");
    String sep = "";
    for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
      Tensor t = e.getValue();
      sb.append(sep).append(e.getKey()).append('=').append(t.dtype())
          .append(java.util.Arrays.toString(t.shape()));
      sep = ", ";
    }
    return sb.append('}').toString();
  }

  /** Builds a {@link StateDict}; names must be unique and non-empty. */
  public static final class Builder {
    private final LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();

    private Builder() {}

    /**
     * Adds a tensor.
     *
     * @throws IllegalArgumentException if the name is empty or already present
     */
    public Builder put(String name, Tensor tensor) {
      checkNotNull(name, "name");
      checkNotNull(tensor, "tensor '%s'", name);
      checkArgument(!name.isEmpty(), "tensor name must not be empty");
      checkArgument(!tensors.containsKey(name), "duplicate tensor name '%s'", name);
      tensors.put(name, tensor);
      return this;
    }

    /** Adds every tensor of {@code dict}. */
    public Builder putAll(StateDict dict) {
      dict.tensors.forEach(this::put);
      return this;
    }

    /** The state dict; the builder may not be reused afterwards. */
    public StateDict build() {
      return tensors.isEmpty() ? EMPTY : new StateDict(new LinkedHashMap<>(tensors));
    }
  }
}
