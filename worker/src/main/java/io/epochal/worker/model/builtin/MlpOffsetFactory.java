package io.epochal.worker.model.builtin;

import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpecs;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelFactory;

/**
 * {@code mlp-offset} v1: an {@code mlp} v1 plus a fixed buffer {@code offset} [output_dim] added to
 * its output. The offset is drawn uniformly on [-1, 1) from the initialisation seed and never
 * trained; it exists to prove that buffers, not only parameters, are checkpointed.
 *
 * <p>Hyperparameters are those of {@link MlpFactory}. State dict: {@code offset}, then the
 * {@code layers.*} tensors of {@code mlp}. The equivalent {@code torch.nn} module registers
 * {@code offset} with {@code register_buffer} (see {@code worker/MODELS.md}).
 */
public final class MlpOffsetFactory implements ModelFactory {

  private final ParamSpecs params = new ParamSpecs("model " + name() + " v" + version(), MlpFactory.specs());

  /** Required by {@link java.util.ServiceLoader}. */
  public MlpOffsetFactory() {}

  @Override
  public String name() {
    return "mlp-offset";
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
    return new MlpModel(name() + " v" + version(), resolved, true, device);
  }
}
