package io.epochal.worker.model;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.epochal.tensor.StateDict;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A base for {@link EpochalModel}s on the PyTorch engine: owns an {@link NDManager} on the chosen
 * device and a {@link ModuleState} with which a subclass registers its parameters, buffers and
 * counters in its constructor; state dicts, strict loading, seeded initialisation and input
 * checks come from here. A subclass implements {@link #forwardBatch}.
 */
public abstract class BaseEpochalModel implements EpochalModel {

  /** The engine every Epochal model runs on. */
  public static final String ENGINE = "PyTorch";

  private final String description;
  private final long[] inputShape;
  private final long inputSize;
  private final int outputSize;
  private final NDManager manager;
  private final ModuleState state;
  private boolean closed;

  /**
   * A model named {@code description} in messages (e.g. {@code mlp v1}).
   *
   * @param device where the arrays live; {@code null} for the CPU
   */
  protected BaseEpochalModel(String description, long[] inputShape, int outputSize, Device device) {
    this.description = checkNotNull(description, "description");
    checkNotNull(inputShape, "inputShape");
    checkArgument(inputShape.length > 0, "%s: input shape must have at least one dimension", description);
    for (long d : inputShape) {
      checkArgument(d > 0, "%s: input shape %s has a non-positive dimension", description, Arrays.toString(inputShape));
    }
    checkArgument(outputSize > 0, "%s: output size must be > 0, got %s", description, outputSize);
    this.inputShape = inputShape.clone();
    long size = 1;
    for (long d : inputShape) {
      size = Math.multiplyExact(size, d);
    }
    this.inputSize = size;
    this.outputSize = outputSize;
    this.manager = Engine.getEngine(ENGINE).newBaseManager(device == null ? Device.cpu() : device);
    List<NDManager> building = BUILDING.get();
    if (building != null) {
      building.add(manager); // closed by the registry if the subclass's constructor then fails
    }
    this.state = new ModuleState(manager, description);
  }

  /**
   * The managers of the models constructed on this thread while a registry builds one ({@link
   * ModelRegistry#build}): a subclass constructor that throws after this one ran leaves no model to
   * close, and its manager (with every tensor registered so far) would stay open for good.
   */
  static final ThreadLocal<List<NDManager>> BUILDING = new ThreadLocal<>();

  /** The registry of this model's tensors; subclasses register into it in their constructor. */
  protected final ModuleState state() {
    return state;
  }

  /**
   * Computes the output of a batch whose shape has already been checked.
   *
   * @see EpochalModel#forward
   */
  protected abstract NDArray forwardBatch(NDArray input, boolean training, SplittableRandom rng);

  @Override
  public String describe() {
    return description;
  }

  @Override
  public long[] inputShape() {
    return inputShape.clone();
  }

  @Override
  public int outputSize() {
    return outputSize;
  }

  @Override
  public void initialize(long seed) {
    checkOpen();
    state.initialize(seed);
  }

  @Override
  public StateDict stateView() {
    checkOpen();
    return state.stateView();
  }

  @Override
  public StateDict stateDict() {
    checkOpen();
    return state.stateDict();
  }

  @Override
  public void loadStateDict(StateDict stateDict) {
    checkOpen();
    state.load(stateDict);
  }

  @Override
  public List<NamedParameter> trainableParameters() {
    return state.trainableParameters();
  }

  @Override
  public NDArray forward(NDArray input, boolean training, SplittableRandom rng) {
    checkOpen();
    checkNotNull(input, "input");
    long[] shape = input.getShape().getShape();
    if (shape.length == 2 && inputShape.length > 1 && shape[1] == inputSize) {
      // flat rows of features (how the driver reads a table) are read row-major, as torch's view()
      long[] full = new long[inputShape.length + 1];
      full[0] = shape[0];
      System.arraycopy(inputShape, 0, full, 1, inputShape.length);
      return forwardBatch(input.reshape(full), training, rng);
    }
    boolean fits = shape.length == inputShape.length + 1
        && Arrays.equals(Arrays.copyOfRange(shape, 1, shape.length), inputShape);
    checkArgument(fits, "%s expects input of shape [batch, %s] (or flat rows of their product) but got %s; "
        + "reshape the features to %s per sample",
        description, Arrays.toString(inputShape).replaceAll("[\\[\\]]", ""), Arrays.toString(shape),
        Arrays.toString(inputShape));
    return forwardBatch(input, training, rng);
  }

  @Override
  public NDManager manager() {
    return manager;
  }

  private void checkOpen() {
    checkState(!closed, "%s has been closed", description);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      manager.close();
    }
  }

  @Override
  public String toString() {
    return description + " " + state.layout();
  }
}
