package io.epochal.worker.model;

import ai.djl.Device;
import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpecs;

/**
 * The service-provider interface of a model: a named, versioned recipe that declares its
 * hyperparameters and builds an {@link EpochalModel} from resolved values.
 *
 * <p>Implementations are found with {@link java.util.ServiceLoader}: list the implementing class in
 * {@code META-INF/services/io.epochal.worker.model.ModelFactory} of a jar on the classpath (for
 * Spark, a jar given to {@code --jars}) and {@link ModelRegistry} picks it up. An implementation
 * needs a public no-argument constructor and must be stateless and thread-safe.
 *
 * <p>The pair (name, version) identifies the structure a checkpoint was written by: change the
 * version whenever a change would alter the state dict's names or shapes or the function computed.
 */
public interface ModelFactory {

  /** The model's name as it appears in job specs and manifests, e.g. {@code mlp}. */
  String name();

  /** The structure version, at least 1. */
  int version();

  /** The declared hyperparameters: name, type, default and range of each. */
  ParamSpecs params();

  /**
   * Builds an uninitialised model on the CPU; call {@link EpochalModel#initialize(long)} or
   * {@link EpochalModel#loadStateDict} before use.
   *
   * @param resolved hyperparameters already resolved by {@link #params()} (every key present)
   */
  EpochalModel create(HyperParameters resolved);

  /**
   * Builds an uninitialised model on {@code device}. The default supports only the CPU; a factory
   * whose model can live elsewhere overrides this.
   *
   * @throws UnsupportedOperationException for a device the factory does not support
   */
  default EpochalModel create(HyperParameters resolved, Device device) {
    if (device == null || Device.Type.CPU.equals(device.getDeviceType())) {
      return create(resolved);
    }
    throw new CpuOnlyException("model " + name() + " v" + version() + " runs on the CPU only, not on "
        + device + ": train it with train.device=cpu (a resume: --conf spark.epochal.train.device=cpu), or have its "
        + "factory override create(HyperParameters, Device) to build it there (worker/MODELS.md)");
  }

  /**
   * The refusal of a device by a factory that builds its model on the CPU only ({@link #create(HyperParameters,
   * Device)}'s default), naming the model and what to do.
   */
  final class CpuOnlyException extends UnsupportedOperationException {
    private static final long serialVersionUID = 1L;

    CpuOnlyException(String message) {
      super(message);
    }
  }
}
