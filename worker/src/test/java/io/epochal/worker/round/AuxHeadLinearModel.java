package io.epochal.worker.round;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpec;
import io.epochal.params.ParamSpecs;
import io.epochal.params.ParamType;
import io.epochal.worker.model.BaseEpochalModel;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelFactory;
import io.epochal.worker.model.ParameterInit;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code aux-head-linear} v1: a linear layer ({@code features}, {@code outputs}) with a second head,
 * {@code aux.weight}, that its forward never uses, as a model of one's own may keep one for another
 * task: no backward reaches it, so it has no gradient. Registered for the worker's tests.
 */
public final class AuxHeadLinearModel implements ModelFactory {

  private final ParamSpecs params = new ParamSpecs("model aux-head-linear v1", List.of(
      ParamSpec.builder("features", ParamType.LONG).optMin(1).build(),
      ParamSpec.builder("outputs", ParamType.LONG).optMin(1).build()));

  @Override
  public String name() {
    return "aux-head-linear";
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
    return new Model(resolved.getLong("features"), resolved.getInt("outputs"));
  }

  private static final class Model extends BaseEpochalModel {
    private final Parameter weight;
    private final Parameter bias;

    Model(long features, int outputs) {
      super("aux-head-linear v1", new long[] {features}, outputs, null);
      weight = state().addParameter("weight", ParameterInit.torchDefault(features), outputs, features);
      bias = state().addParameter("bias", ParameterInit.torchDefault(features), outputs);
      state().addParameter("aux.weight", ParameterInit.torchDefault(features), 2, features);
    }

    @Override
    protected NDArray forwardBatch(NDArray input, boolean training, SplittableRandom rng) {
      return input.matMul(weight.getArray().transpose()).add(bias.getArray());
    }
  }
}
