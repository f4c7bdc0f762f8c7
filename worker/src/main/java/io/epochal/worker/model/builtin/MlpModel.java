package io.epochal.worker.model.builtin;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import io.epochal.params.HyperParameters;
import io.epochal.worker.model.BaseEpochalModel;
import io.epochal.worker.model.ParameterInit;
import io.epochal.worker.model.SeededDropout;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A multilayer perceptron, optionally with a fixed output offset: the model behind {@code mlp} v1
 * and {@code mlp-offset} v1. Equivalent to this {@code torch.nn} module (see {@code worker/MODELS.md}):
 *
 * <pre>{@code
 * layers = nn.Sequential(
 *     nn.Linear(input_dim, hidden[0]), act, nn.Dropout(dropout),   # layers.0, .1, .2
 *     ...                                                          # layers.3i, .3i+1, .3i+2
 *     nn.Linear(hidden[-1], output_dim))                           # layers.3k
 * forward(x) = layers(x) (+ offset)
 * }</pre>
 *
 * <p>The Dropout modules are always present (identity when {@code dropout = 0}), so the tensor
 * names depend only on the number of hidden layers. With an offset, the buffer {@code offset}
 * [output_dim] (uniform on [-1, 1) from the seed, never trained) comes first, as PyTorch lists a
 * module's own buffers before its children's.
 */
final class MlpModel extends BaseEpochalModel {

  private final List<Layers.LinearLayer> linears = new ArrayList<>();
  private final Activation activation;
  private final double dropout;
  private final NDArray offset;

  MlpModel(String description, HyperParameters hp, boolean withOffset, Device device) {
    super(description, new long[] {hp.getLong(MlpFactory.INPUT_DIM)}, hp.getInt(MlpFactory.OUTPUT_DIM), device);
    this.activation = Activation.of(hp.getString(MlpFactory.ACTIVATION));
    this.dropout = hp.getDouble(MlpFactory.DROPOUT);
    this.offset = withOffset
        ? state().addBuffer("offset", ParameterInit.uniform(1.0), hp.getLong(MlpFactory.OUTPUT_DIM))
        : null;
    long in = hp.getLong(MlpFactory.INPUT_DIM);
    int index = 0;
    for (long width : hp.getList(MlpFactory.HIDDEN, Long.class)) {
      linears.add(new Layers.LinearLayer(state(), "layers." + index, in, width));
      in = width;
      index += 3;
    }
    linears.add(new Layers.LinearLayer(state(), "layers." + index, in, hp.getLong(MlpFactory.OUTPUT_DIM)));
  }

  @Override
  protected NDArray forwardBatch(NDArray input, boolean training, SplittableRandom rng) {
    NDArray x = input;
    for (int i = 0; i < linears.size() - 1; i++) {
      x = activation.apply(linears.get(i).apply(x));
      if (training) {
        x = SeededDropout.apply(x, dropout, rng);
      }
    }
    x = linears.get(linears.size() - 1).apply(x);
    return offset == null ? x : x.add(offset);
  }
}
