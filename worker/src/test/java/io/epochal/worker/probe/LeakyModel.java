package io.epochal.worker.probe;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.epochal.worker.model.BaseEpochalModel;
import io.epochal.worker.model.ParameterInit;
import java.util.SplittableRandom;

/**
 * A deliberately broken model: a linear layer plus a random "noise" tensor that it adds to its
 * output but never registers, so the noise is missing from the state dict. Each instance draws
 * different noise, as a model that creates a tensor in its constructor from an unseeded source
 * would.
 */
final class LeakyModel extends BaseEpochalModel {

  private final Parameter weight;
  private final Parameter bias;
  private final NDArray hiddenNoise; // the bug: not in the state dict

  LeakyModel(long features, int outputs, long noiseSeed) {
    super("leaky v1", new long[] {features}, outputs, null);
    weight = state().addParameter("weight", ParameterInit.torchDefault(features), outputs, features);
    bias = state().addParameter("bias", ParameterInit.torchDefault(features), outputs);
    float[] noise = new float[outputs];
    SplittableRandom r = new SplittableRandom(noiseSeed);
    for (int i = 0; i < outputs; i++) {
      noise[i] = (float) r.nextDouble();
    }
    hiddenNoise = manager().create(noise, new Shape(outputs));
  }

  @Override
  protected NDArray forwardBatch(NDArray input, boolean training, SplittableRandom rng) {
    return input.matMul(weight.getArray().transpose()).add(bias.getArray()).add(hiddenNoise);
  }
}
