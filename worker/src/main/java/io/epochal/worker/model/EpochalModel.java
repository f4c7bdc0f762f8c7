package io.epochal.worker.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.epochal.tensor.StateDict;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A model that Epochal can train, checkpoint and restore: a DJL computation on the PyTorch engine
 * whose complete state is a PyTorch-compatible {@link StateDict}.
 *
 * <p><b>Contract.</b>
 *
 * <ul>
 *   <li>{@link #stateDict()} holds every tensor that affects the output (parameters and buffers,
 *       e.g. BatchNorm running statistics and {@code num_batches_tracked}), named and laid out as
 *       in the equivalent {@code torch.nn} module, so that {@code load_state_dict(strict=True)}
 *       accepts it. Floating tensors are F32 on the CPU.
 *   <li>{@link #initialize(long)} is a pure function of the seed: it draws from a Java
 *       {@link SplittableRandom}, never from the engine's global generator, so concurrent tasks in
 *       one JVM cannot disturb each other.
 *   <li>{@link #forward} with {@code training = true} uses batch statistics, updates running
 *       statistics and applies dropout with masks drawn from the given {@code rng}; with
 *       {@code training = false} it is evaluation mode and changes no state.
 * </ul>
 *
 * <p>An instance is not thread-safe: use one per task thread (see {@link ModelCache}). Closing it
 * releases its native memory.
 */
public interface EpochalModel extends AutoCloseable {

  /** A label for messages, e.g. {@code mlp v1}. */
  String describe();

  /** The shape of one sample's features, e.g. {@code [64]} or {@code [1, 8, 8]}. */
  long[] inputShape();

  /** Number of output values per sample (logits or regression targets). */
  int outputSize();

  /**
   * The fewest samples a training batch must hold (1 for most models; 2 for a model whose
   * BatchNorm would see one value per channel in a batch of one, as PyTorch refuses it). The driver
   * refuses, before anything is written, a job whose worker shards would give a smaller batch.
   */
  default int minTrainingBatch() {
    return 1;
  }

  /**
   * Sets every parameter and buffer to its initial value, drawn deterministically from
   * {@code seed}; counters such as {@code num_batches_tracked} restart at 0.
   */
  void initialize(long seed);

  /** A copy of every tensor that affects the output, in PyTorch {@code state_dict()} order. */
  StateDict stateDict();

  /**
   * {@link #stateDict()} without the copy where the engine allows: views of the model's own memory, valid only until
   * the model next changes (a step, a load, a training-mode forward pass), for reading at once. The default is
   * {@link #stateDict()}.
   */
  default StateDict stateView() {
    return stateDict();
  }

  /**
   * Replaces the model's state with {@code state}, strictly: the names, dtypes and shapes must be
   * exactly those of {@link #stateDict()}. Nothing is changed when the check fails.
   *
   * @throws IllegalArgumentException naming every missing, unexpected or mis-shaped tensor
   */
  void loadStateDict(StateDict state);

  /**
   * The trainable parameters in a stable order (the order they appear in {@link #stateDict()}),
   * each with its PyTorch name and live DJL parameter.
   */
  List<NamedParameter> trainableParameters();

  /**
   * Runs the model on a batch of shape {@code [batch, inputShape()...]}, giving
   * {@code [batch, outputSize()]}. Flat rows, {@code [batch, product of inputShape()]}, are accepted
   * too and read row-major (as torch's {@code x.view(batch, *input_shape)}), which is how tabular
   * data holds an image. Gradients flow to {@link #trainableParameters()} when called
   * inside a DJL {@code GradientCollector}. Results are created in {@code input}'s manager.
   *
   * @param training {@code true} for training mode (batch statistics, dropout from {@code rng},
   *     running statistics and counters updated), {@code false} for evaluation mode
   * @param rng the source of dropout masks; may be {@code null} when {@code training} is false
   * @throws IllegalArgumentException when the input's trailing shape is neither {@link #inputShape()}
   *     nor its flat size
   */
  NDArray forward(NDArray input, boolean training, SplittableRandom rng);

  /** The manager that owns the model's parameters and buffers. */
  NDManager manager();

  /** Releases the model's native memory. */
  @Override
  void close();
}
