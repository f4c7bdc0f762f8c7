package io.epochal.worker.model.builtin;

import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpec;
import io.epochal.params.ParamSpecs;
import io.epochal.params.ParamType;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelFactory;
import java.util.List;

/**
 * {@code mlp} v1: a multilayer perceptron.
 *
 * <table>
 *   <caption>Hyperparameters</caption>
 *   <tr><th>name</th><th>type</th><th>default</th><th>range</th></tr>
 *   <tr><td>input_dim</td><td>long</td><td>(required)</td><td>[1, 2^31-1]</td></tr>
 *   <tr><td>hidden</td><td>list&lt;long&gt;</td><td>256,256</td><td>each [1, 2^31-1]; empty = linear model</td></tr>
 *   <tr><td>output_dim</td><td>long</td><td>(required)</td><td>[1, 2^31-1]</td></tr>
 *   <tr><td>activation</td><td>string</td><td>relu</td><td>relu, tanh, gelu, sigmoid</td></tr>
 *   <tr><td>dropout</td><td>double</td><td>0.0</td><td>[0, 0.99]</td></tr>
 * </table>
 *
 * <p>State dict for {@code hidden = [h1, h2]}: {@code layers.0.weight} [h1, input_dim],
 * {@code layers.0.bias} [h1], {@code layers.3.weight} [h2, h1], {@code layers.3.bias} [h2],
 * {@code layers.6.weight} [output_dim, h2], {@code layers.6.bias} [output_dim]. The equivalent
 * {@code torch.nn} module is written out in {@code worker/MODELS.md}.
 */
public final class MlpFactory implements ModelFactory {

  static final String INPUT_DIM = "input_dim";
  static final String HIDDEN = "hidden";
  static final String OUTPUT_DIM = "output_dim";
  static final String ACTIVATION = "activation";
  static final String DROPOUT = "dropout";

  private static final double MAX_DIM = Integer.MAX_VALUE;

  private final ParamSpecs params = new ParamSpecs("model " + name() + " v" + version(), specs());

  /** The declarations shared by {@code mlp} and {@code mlp-offset}. */
  static List<ParamSpec> specs() {
    return List.of(
        ParamSpec.builder(INPUT_DIM, ParamType.LONG).optMin(1).optMax(MAX_DIM)
            .optDoc("features per sample").build(),
        ParamSpec.builder(HIDDEN, ParamType.LONG_LIST).optDefault(List.of(256L, 256L)).optMin(1).optMax(MAX_DIM)
            .optDoc("width of each hidden layer, e.g. 256,256; empty for a linear model").build(),
        ParamSpec.builder(OUTPUT_DIM, ParamType.LONG).optMin(1).optMax(MAX_DIM)
            .optDoc("outputs per sample (classes or targets)").build(),
        ParamSpec.builder(ACTIVATION, ParamType.STRING).optDefault("relu")
            .optAllowed("relu", "tanh", "gelu", "sigmoid").optDoc("activation after each hidden layer").build(),
        ParamSpec.builder(DROPOUT, ParamType.DOUBLE).optDefault(0.0).optMin(0).optMax(0.99)
            .optDoc("dropout probability after each hidden activation (training only)").build());
  }

  /** Required by {@link java.util.ServiceLoader}. */
  public MlpFactory() {}

  @Override
  public String name() {
    return "mlp";
  }

  @Override
  public int version() {
    return 1;
  }

  @Override
  public ParamSpecs params() {
    return params;
  }

  @Override
  public EpochalModel create(HyperParameters resolved) {
    return create(resolved, ai.djl.Device.cpu());
  }

  @Override
  public EpochalModel create(HyperParameters resolved, ai.djl.Device device) {
    return new MlpModel(name() + " v" + version(), resolved, false, device);
  }
}
