package io.epochal.driver.e2e;

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
 * A model of one's own with the mistake a registry must catch: {@code unreproducible-linear} v1,
 * a linear layer whose output is shifted by a value drawn in its constructor and kept outside its
 * state dict, different in every built model. Registered for the driver's tests through {@code
 * src/test/resources/META-INF/services/io.epochal.worker.model.ModelFactory}.
 */
public final class UnreproducibleLinearFactory implements ModelFactory {

  private static final ParamSpecs PARAMS = new ParamSpecs("model unreproducible-linear v1", List.of(
      ParamSpec.builder("features", ParamType.LONG).optMin(1).build(),
      ParamSpec.builder("outputs", ParamType.LONG).optMin(1).build()));

  @Override
  public String name() {
    return "unreproducible-linear";
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
    return new Model(resolved.getLong("features"), resolved.getInt("outputs"));
  }

  private static final class Model extends BaseEpochalModel {
    private final Parameter weight;
    private final Parameter bias;
    /** Not in the state dict: no checkpoint holds it. */
    private final float shift = (float) new java.util.Random().nextGaussian();

    Model(long features, int outputs) {
      super("unreproducible-linear v1", new long[] {features}, outputs, null);
      weight = state().addParameter("weight", ParameterInit.torchDefault(features), outputs, features);
      bias = state().addParameter("bias", ParameterInit.torchDefault(features), outputs);
    }

    @Override
    protected NDArray forwardBatch(NDArray input, boolean training, SplittableRandom rng) {
      return input.matMul(weight.getArray().transpose()).add(bias.getArray()).add(shift);
    }
  }
}
