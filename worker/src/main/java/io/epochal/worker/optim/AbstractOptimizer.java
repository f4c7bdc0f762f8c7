package io.epochal.worker.optim;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.epochal.params.HyperParameters;
import io.epochal.tensor.DType;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.state.TensorConversion;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The part every optimizer shares: per-parameter state kept lazily by name, the step loop with its
 * up-front checks, the state dict and its strict loading. Subclasses implement one parameter's
 * update.
 */
abstract class AbstractOptimizer implements Optimizer {

  private static final String STEP = "step";
  /** The largest step count loaded (2^53): the bias corrections' powers take it as a double. */
  private static final float MAX_STEP = 0x1p53f;

  private final String name;
  private final HyperParameters hyperParameters;
  private final NDManager manager;
  private final boolean keepsStep;
  private final List<String> bufferNames;
  private final ParamGroups groups;
  /** Each parameter's group, looked up once by name. */
  private final Map<String, Group> groupOf = new HashMap<>();
  private LinkedHashMap<String, ParamState> states = new LinkedHashMap<>();
  private boolean checkLoadedNames;
  private Set<String> startingFresh = Set.of();
  private NDArray gradSink;
  private Workspace workspace;
  private boolean closed;

  /**
   * @param keepsStep whether a {@code <param>.step} tensor is kept
   * @param bufferNames the buffer suffixes kept per parameter, in state dict order
   * @param groups each parameter's learning-rate scale and whether it is decayed
   */
  AbstractOptimizer(String name, HyperParameters hyperParameters, NDManager manager, boolean keepsStep,
      List<String> bufferNames, ParamGroups groups) {
    this.name = name;
    this.hyperParameters = checkNotNull(hyperParameters, "hyperParameters");
    this.manager = checkNotNull(manager, "manager").newSubManager();
    this.keepsStep = keepsStep;
    this.bufferNames = List.copyOf(bufferNames);
    this.groups = checkNotNull(groups, "groups");
  }

  /** A parameter's learning-rate scale and whether it is decayed. */
  private record Group(double lrScale, boolean decays) {}

  /** One parameter's state: its update count and its buffers. */
  static final class ParamState {
    private long step;
    private final LinkedHashMap<String, NDArray> buffers = new LinkedHashMap<>();

    /** Updates so far, including the current one while {@code update} runs (torch's t). */
    long step() {
      return step;
    }

    /** The buffer named {@code key}, or {@code null} before it is created. */
    NDArray get(String key) {
      return buffers.get(key);
    }

    void put(String key, NDArray array) {
      buffers.put(key, array);
    }
  }

  /**
   * Updates one parameter in place with its rate (this step's scheduled rate times its group's scale) and this step's
   * momentum (or first beta), decaying it as configured if {@code decays}, not at all otherwise. {@code
   * state.step()} already counts this update; a {@code fresh} state has no buffers yet.
   */
  abstract void update(ParamSlot param, ParamState state, double lr, double momentum, boolean decays, boolean fresh);

  /** The momentum (or first beta) the optimizer was configured with: every step's unless a schedule sets it. */
  abstract double configuredMomentum();

  /**
   * Whether a step may be given a momentum of its own: an optimizer configured without momentum keeps no momentum
   * buffer (sgd, rmsprop), so it cannot take one.
   */
  boolean takesStepMomentum() {
    return true;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final HyperParameters hyperParameters() {
    return hyperParameters;
  }

  @Override
  public final ParamGroups paramGroups() {
    return groups;
  }

  /** A new zero F32 array of {@code like}'s shape in the state manager. */
  final NDArray zerosLike(NDArray like) {
    return manager.zeros(like.getShape(), DataType.FLOAT32);
  }

  /** Moves {@code array} into the state manager (so {@link #close()} frees it). */
  final NDArray own(NDArray array) {
    array.attach(manager);
    return array;
  }

  /**
   * A 0-d array without a gradient handed to the fused kernels as their "weights" argument: the
   * engine zeroes that argument's autograd gradient after the update, and the contract of
   * {@link #step} is that gradients are left alone.
   */
  final NDArray gradSink() {
    if (gradSink == null) {
      gradSink = manager.zeros(new Shape(), DataType.FLOAT32);
    }
    return gradSink;
  }

  /** The scratch arrays and scalars of plain-operation updates, in the state manager (freed on close). */
  final Workspace workspace() {
    if (workspace == null) {
      workspace = new Workspace(manager);
    }
    return workspace;
  }

  @Override
  public final void step(List<ParamSlot> params, double lr) {
    checkState(!closed, "optimizer '%s' is closed", name);
    run(params, lr, configuredMomentum());
  }

  @Override
  public final void step(List<ParamSlot> params, double lr, double momentum) {
    checkState(!closed, "optimizer '%s' is closed", name);
    checkArgument(momentum >= 0 && momentum < 1, "%s: the momentum of this step, %s, must be in [0, 1)", name,
        momentum);
    checkArgument(takesStepMomentum(), "%s was configured without momentum (momentum = 0) and keeps no momentum "
        + "buffer, so a schedule cannot set its momentum (%s); configure optimizer.momentum > 0, which the schedule "
        + "then replaces every step, as torch's OneCycleLR does", name, momentum);
    run(params, lr, momentum);
  }

  private void run(List<ParamSlot> params, double lr, double momentum) {
    checkNotNull(params, "params");
    checkArgument(lr >= 0 && Double.isFinite(lr), "learning rate lr = %s must be finite and >= 0", lr);
    checkParams(params);
    if (params.isEmpty()) {
      return;
    }
    try (NoGradScope ignored = NoGradScope.enter(params.get(0).weight())) {
      for (ParamSlot p : params) {
        if (!p.hasGrad()) {
          continue;
        }
        ParamState st = states.get(p.name());
        boolean fresh = st == null;
        if (fresh) {
          st = new ParamState();
          states.put(p.name(), st);
        }
        st.step++;
        Group g = groupOf.computeIfAbsent(p.name(), n -> new Group(groups.lrScale(n), groups.decays(n)));
        update(p, st, g.lrScale() == 1 ? lr : lr * g.lrScale(), momentum, g.decays(), fresh);
      }
    }
  }

  private void checkParams(List<ParamSlot> params) {
    List<String> problems = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (ParamSlot p : params) {
      checkNotNull(p, "params holds a null ParamSlot");
      checkArgument(seen.add(p.name()), "parameter '%s' appears twice in one step", p.name());
      NDArray w = p.weight();
      checkArgument(w.getDataType() == DataType.FLOAT32,
          "parameter '%s' is %s; %s updates float32 weights only", p.name(), w.getDataType(), name);
      if (p.hasGrad()) {
        checkArgument(p.grad().getShape().equals(w.getShape()) && p.grad().getDataType() == DataType.FLOAT32,
            "gradient of parameter '%s' is %s %s but the weight is FLOAT32 %s", p.name(),
            p.grad().getDataType(), p.grad().getShape(), w.getShape());
      }
      ParamState st = states.get(p.name());
      if (st != null) {
        st.buffers.forEach((k, v) -> {
          if (!v.getShape().equals(w.getShape())) {
            problems.add("wrongly shaped '" + p.name() + "." + k + "': " + v.getShape() + " but parameter '"
                + p.name() + "' is " + w.getShape());
          }
        });
      } else if (checkLoadedNames && p.hasGrad() && (keepsStep || !bufferNames.isEmpty())
          && !startingFresh.contains(p.name())) {
        problems.add("missing " + expectedNames(p.name()));
      }
    }
    if (checkLoadedNames) {
      for (String s : states.keySet()) {
        if (!seen.contains(s)) {
          problems.add("unexpected " + expectedNames(s) + ": no parameter '" + s + "' in this step");
        }
      }
    }
    checkArgument(problems.isEmpty(), "%s optimizer state does not fit the parameters: %s. Load the state "
        + "saved by the same optimizer for the same model, or an empty state to start afresh",
        name, String.join("; ", problems));
    checkLoadedNames = false;
  }

  private List<String> expectedNames(String param) {
    List<String> out = new ArrayList<>();
    for (String s : expectedSuffixes()) {
      out.add(param + "." + s);
    }
    return out;
  }

  private List<String> expectedSuffixes() {
    List<String> out = new ArrayList<>();
    if (keepsStep) {
      out.add(STEP);
    }
    out.addAll(bufferNames);
    return out;
  }

  @Override
  public final StateDict stateDict() {
    checkState(!closed, "optimizer '%s' is closed", name);
    StateDict.Builder b = StateDict.builder();
    states.forEach((param, st) -> {
      if (keepsStep) {
        b.put(param + "." + STEP, Tensor.scalarFloat(st.step));
      }
      for (String k : bufferNames) {
        NDArray a = st.buffers.get(k);
        if (a != null) {
          b.put(param + "." + k, TensorConversion.toTensor(a));
        }
      }
    });
    return b.build();
  }

  @Override
  public final void loadStateDict(StateDict state) {
    loadStateDict(state, Set.of());
  }

  @Override
  public final void loadStateDict(StateDict state, Set<String> startingFresh) {
    checkState(!closed, "optimizer '%s' is closed", name);
    checkNotNull(startingFresh, "startingFresh");
    checkNotNull(state, "state");
    List<String> problems = new ArrayList<>();
    List<String> suffixes = expectedSuffixes();
    Map<String, Map<String, Tensor>> byParam = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : state) {
      String key = e.getKey();
      int dot = key.lastIndexOf('.');
      String suffix = dot < 0 ? "" : key.substring(dot + 1);
      if (dot <= 0 || !suffixes.contains(suffix)) {
        problems.add("unexpected '" + key + "'");
      } else {
        byParam.computeIfAbsent(key.substring(0, dot), k -> new LinkedHashMap<>()).put(suffix, e.getValue());
      }
    }
    byParam.forEach((param, tensors) -> checkParamTensors(param, tensors, suffixes, problems));
    checkArgument(problems.isEmpty(), "%s optimizer state does not fit: %s. %s keeps %s per parameter, F32, "
        + "the step 0-d", name, String.join("; ", problems), name, suffixes);

    LinkedHashMap<String, ParamState> loaded = new LinkedHashMap<>();
    byParam.forEach((param, tensors) -> {
      ParamState st = new ParamState();
      if (keepsStep) {
        st.step = (long) tensors.get(STEP).floatValue();
      }
      for (String k : bufferNames) {
        st.put(k, TensorConversion.toArray(manager, tensors.get(k)));
      }
      loaded.put(param, st);
    });
    closeStates();
    states = loaded;
    checkLoadedNames = !state.isEmpty();
    this.startingFresh = Set.copyOf(startingFresh);
  }

  private void checkParamTensors(String param, Map<String, Tensor> tensors, List<String> suffixes,
      List<String> problems) {
    long[] shape = null;
    String shapeFrom = null;
    for (String s : suffixes) {
      Tensor t = tensors.get(s);
      String key = param + "." + s;
      if (t == null) {
        problems.add("missing '" + key + "'");
      } else if (s.equals(STEP)) {
        boolean scalar = t.dtype() == DType.F32 && t.rank() == 0;
        float v = scalar ? t.floatValue() : Float.NaN;
        // every F32 of 2^24 or more is whole: a step count past it is stored as its nearest F32 (as
        // torch keeps its own); past 2^53 a count would not survive its increments as a double
        if (!(v >= 0 && v <= MAX_STEP && v == Math.rint(v))) {
          problems.add("wrongly shaped '" + key + "': " + t + " must be an F32 0-d tensor holding a whole number from 0 "
              + "to 2^53" + (scalar ? ", not " + v : ""));
        }
      } else if (t.dtype() != DType.F32) {
        problems.add("wrongly typed '" + key + "': " + t.dtype() + " instead of F32");
      } else if (shape == null) {
        shape = t.shape();
        shapeFrom = key;
      } else if (!Arrays.equals(shape, t.shape())) {
        problems.add("wrongly shaped '" + key + "': " + Arrays.toString(t.shape()) + " but '" + shapeFrom + "' is "
            + Arrays.toString(shape));
      }
    }
  }

  private void closeStates() {
    for (ParamState st : states.values()) {
      st.buffers.values().forEach(NDArray::close);
    }
    states.clear();
  }

  @Override
  public final void close() {
    if (!closed) {
      closed = true;
      closeStates();
      manager.close();
    }
  }

  @Override
  public String toString() {
    return name + hyperParameters.asMap() + "[" + states.size() + " parameters with state]";
  }
}
