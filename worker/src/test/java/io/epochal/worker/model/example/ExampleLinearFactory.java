package io.epochal.worker.model.example;

import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpec;
import io.epochal.params.ParamSpecs;
import io.epochal.params.ParamType;
import io.epochal.worker.model.BaseEpochalModel;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelFactory;
import io.epochal.worker.model.ParameterInit;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The user-model example of {@code worker/MODELS.md}: {@code example-linear} v1, a single
 * {@code nn.Linear(features, outputs)} registered through
 * {@code src/test/resources/META-INF/services/io.epochal.worker.model.ModelFactory}.
 */
public final class ExampleLinearFactory implements ModelFactory {

  private static final ParamSpecs PARAMS = new ParamSpecs("model example-linear v1", List.of(
      ParamSpec.builder("features", ParamType.LONG).optDefault(3L).optMin(1).build(),
      ParamSpec.builder("outputs", ParamType.LONG).optDefault(2L).optMin(1).build()));

  @Override
  public String name() {
    return "example-linear";
  }

  @Override
  public int version() {
    return 1;
  }

  @Override
  public ParamSpecs params() {
    return PARAMS;
  }

  @Override
  public EpochalModel create(HyperParameters resolved) {
    return new LinearModel(resolved.getLong("features"), resolved.getInt("outputs"));
  }

  /** {@code nn.Linear}: {@code weight} [outputs, features], {@code bias} [outputs]. */
  static final class LinearModel extends BaseEpochalModel {
    private final Parameter weight;
    private final Parameter bias;

    LinearModel(long features, int outputs) {
      super("example-linear v1", new long[] {features}, outputs, null);
      weight = state().addParameter("weight", ParameterInit.torchDefault(features), outputs, features);
      bias = state().addParameter("bias", ParameterInit.torchDefault(features), outputs);
    }

    @Override
    protected NDArray forwardBatch(NDArray input, boolean training, SplittableRandom rng) {
      return input.matMul(weight.getArray().transpose()).add(bias.getArray());
    }
  }
}
