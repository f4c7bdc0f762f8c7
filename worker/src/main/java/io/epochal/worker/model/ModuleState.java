package io.epochal.worker.model;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.epochal.tensor.DType;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.state.NativeBuffers;
import io.epochal.worker.state.StateDictValidator;
import io.epochal.worker.state.TensorConversion;
import io.epochal.worker.state.TensorSpec;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The registered tensors of a model, in PyTorch {@code state_dict()} order: trainable parameters
 * (F32, requiring gradients), buffers (F32, not trained, e.g. {@code bn1.running_mean}) and
 * counters (I64 0-d, e.g. {@code bn1.num_batches_tracked}).
 *
 * <p>Whatever a model computes with must be registered here; a tensor held anywhere else is
 * missing from the state dict and a reloaded model computes something else (the probe catches
 * this). Register in the order PyTorch would list the tensors: for each module, its parameters,
 * then its buffers, a parent module's own tensors before its children's.
 *
 * <p>Not thread-safe, like the model that owns it.
 */
public final class ModuleState {

  /** A 64-bit counter stored as a 0-d I64 tensor, such as {@code num_batches_tracked}. */
  public static final class Counter {
    private long value;

    private Counter() {}

    /** The current value. */
    public long get() {
      return value;
    }

    /** Adds one. */
    public void increment() {
      value++;
    }
  }

  private enum Kind { PARAMETER, BUFFER, COUNTER }

  private static final class Entry {
    final Kind kind;
    final TensorSpec spec;
    final ParameterInit init;
    final Parameter parameter;
    final NDArray array;
    final Counter counter;

    Entry(Kind kind, TensorSpec spec, ParameterInit init, Parameter parameter, NDArray array, Counter counter) {
      this.kind = kind;
      this.spec = spec;
      this.init = init;
      this.parameter = parameter;
      this.array = array;
      this.counter = counter;
    }
  }

  private final NDManager manager;
  private final String owner;
  private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();
  private final List<NamedParameter> trainable = new ArrayList<>();

  /**
   * An empty state whose arrays live in {@code manager}.
   *
   * @param owner the model, named in messages (e.g. {@code mlp v1})
   */
  public ModuleState(NDManager manager, String owner) {
    this.manager = checkNotNull(manager, "manager");
    this.owner = checkNotNull(owner, "owner");
  }

  /**
   * Registers a trainable F32 parameter (zero until {@link #initialize}).
   *
   * @throws IllegalArgumentException if {@code name} is already registered
   */
  public Parameter addParameter(String name, ParameterInit init, long... shape) {
    NDArray array = newArray(name, shape);
    array.setRequiresGradient(true);
    Parameter p = Parameter.builder()
        .setName(name)
        .setType(name.endsWith("bias") ? Parameter.Type.BIAS : Parameter.Type.WEIGHT)
        .optArray(array)
        .optRequiresGrad(true)
        .build();
    entries.put(name, new Entry(Kind.PARAMETER, new TensorSpec(DType.F32, shape), checkNotNull(init, "init"), p, array, null));
    trainable.add(new NamedParameter(name, p));
    return p;
  }

  /**
   * Registers a non-trainable F32 buffer (zero until {@link #initialize}).
   *
   * @throws IllegalArgumentException if {@code name} is already registered
   */
  public NDArray addBuffer(String name, ParameterInit init, long... shape) {
    NDArray array = newArray(name, shape);
    entries.put(name, new Entry(Kind.BUFFER, new TensorSpec(DType.F32, shape), checkNotNull(init, "init"), null, array, null));
    return array;
  }

  /**
   * Registers an I64 0-d counter that starts at 0.
   *
   * @throws IllegalArgumentException if {@code name} is already registered
   */
  public Counter addCounter(String name) {
    checkName(name);
    Counter c = new Counter();
    entries.put(name, new Entry(Kind.COUNTER, new TensorSpec(DType.I64, new long[0]), null, null, null, c));
    return c;
  }

  private NDArray newArray(String name, long[] shape) {
    checkName(name);
    for (long d : shape) {
      checkArgument(d > 0, "tensor '%s' of %s has a non-positive dimension in %s", name, owner,
          java.util.Arrays.toString(shape));
    }
    NDArray array = manager.zeros(new Shape(shape), DataType.FLOAT32);
    array.setName(name);
    return array;
  }

  private void checkName(String name) {
    checkNotNull(name, "name");
    checkArgument(!name.isEmpty(), "tensor name must not be empty");
    checkArgument(!entries.containsKey(name), "%s registers tensor '%s' twice", owner, name);
  }

  /** The expected layout of every registered tensor, in state-dict order. */
  public Map<String, TensorSpec> layout() {
    Map<String, TensorSpec> out = new LinkedHashMap<>();
    entries.forEach((k, e) -> out.put(k, e.spec));
    return Collections.unmodifiableMap(out);
  }

  /** The trainable parameters in registration order. */
  public List<NamedParameter> trainableParameters() {
    return Collections.unmodifiableList(trainable);
  }

  /**
   * Sets every tensor from its {@link ParameterInit}: entry {@code i} (in registration order) draws
   * from the {@code i}-th {@link SplittableRandom#split()} of {@code new SplittableRandom(seed)}.
   * Counters restart at 0.
   */
  public void initialize(long seed) {
    SplittableRandom root = new SplittableRandom(seed);
    NoGrad.run(() -> {
      for (Entry e : entries.values()) {
        SplittableRandom rng = root.split();
        if (e.kind == Kind.COUNTER) {
          e.counter.value = 0;
          continue;
        }
        float[] values = new float[Math.toIntExact(Tensor.numel(e.spec.shape()))];
        e.init.fill(values, rng);
        ByteBuffer buf = NativeBuffers.allocateFloats(values.length);
        buf.asFloatBuffer().put(values);
        TensorConversion.copyBytes(buf, e.array);
      }
    });
  }

  /**
   * Every registered tensor in registration order as {@link TensorConversion#view views} of the arrays' memory
   * (counters as copies): valid only until the model changes, for reading at once.
   */
  public StateDict stateView() {
    StateDict.Builder b = StateDict.builder();
    entries.forEach((k, e) -> b.put(k, e.kind == Kind.COUNTER
        ? Tensor.scalarLong(e.counter.value) : TensorConversion.view(e.array)));
    return b.build();
  }

  /** A copy of every registered tensor, in registration order. */
  public StateDict stateDict() {
    StateDict.Builder b = StateDict.builder();
    entries.forEach((k, e) -> b.put(k, e.kind == Kind.COUNTER
        ? Tensor.scalarLong(e.counter.value) : TensorConversion.toTensor(e.array)));
    return b.build();
  }

  /**
   * Copies {@code state} into the registered tensors in place (the arrays and parameters keep
   * their identity), after checking the whole layout first.
   *
   * @throws IllegalArgumentException naming every missing, unexpected or mis-shaped tensor
   */
  public void load(StateDict state) {
    checkNotNull(state, "state");
    StateDictValidator.requireExactLayout(owner, layout(), state);
    NoGrad.run(() -> entries.forEach((k, e) -> {
      Tensor t = state.get(k);
      if (e.kind == Kind.COUNTER) {
        e.counter.value = t.longValue();
      } else {
        TensorConversion.copyInto(k, t, e.array);
      }
    }));
  }
}
