package io.epochal.worker.model.builtin;

import ai.djl.Device;
import io.epochal.params.HyperParameters;
import io.epochal.params.ParamSpec;
import io.epochal.params.ParamSpecs;
import io.epochal.params.ParamType;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelFactory;
import java.util.List;

/**
 * {@code cnn} v1: a small convolutional net with BatchNorm for square images such as 1x8x8 digits
 * or 1x28x28 MNIST: conv1 (3x3) - bn1 - relu - max-pool 2 - conv2 (3x3) - bn2 - relu - global
 * average pool - fc.
 *
 * <table>
 *   <caption>Hyperparameters</caption>
 *   <tr><th>name</th><th>type</th><th>default</th><th>range</th></tr>
 *   <tr><td>image_size</td><td>long</td><td>28</td><td>[2, 4096]: height = width</td></tr>
 *   <tr><td>in_channels</td><td>long</td><td>1</td><td>[1, 1024]</td></tr>
 *   <tr><td>channels</td><td>long</td><td>16</td><td>[1, 4096]: conv1 width (conv2 has twice)</td></tr>
 *   <tr><td>classes</td><td>long</td><td>(required)</td><td>[1, 2^31-1]</td></tr>
 * </table>
 *
 * <p>Input per sample: {@code [in_channels, image_size, image_size]}. State dict, with
 * {@code c = channels}: {@code conv1.weight} [c, in_channels, 3, 3], {@code conv1.bias} [c],
 * {@code bn1.weight}, {@code bn1.bias}, {@code bn1.running_mean}, {@code bn1.running_var} [c],
 * {@code bn1.num_batches_tracked} (I64 0-d), {@code conv2.weight} [2c, c, 3, 3], {@code conv2.bias}
 * [2c], {@code bn2.*} as bn1 with [2c], {@code fc.weight} [classes, 2c], {@code fc.bias} [classes].
 * BatchNorm uses PyTorch's momentum 0.1 and eps 1e-5.
 */
public final class CnnFactory implements ModelFactory {

  static final String IMAGE_SIZE = "image_size";
  static final String IN_CHANNELS = "in_channels";
  static final String CHANNELS = "channels";
  static final String CLASSES = "classes";

  private final ParamSpecs params = new ParamSpecs("model cnn v1", List.of(
      ParamSpec.builder(IMAGE_SIZE, ParamType.LONG).optDefault(28L).optMin(2).optMax(4096)
          .optDoc("height and width of the square input image, e.g. 8 or 28; below 4 a training batch of one"
              + " sample is refused (BatchNorm would see one value per channel)").build(),
      ParamSpec.builder(IN_CHANNELS, ParamType.LONG).optDefault(1L).optMin(1).optMax(1024)
          .optDoc("channels of the input image").build(),
      ParamSpec.builder(CHANNELS, ParamType.LONG).optDefault(16L).optMin(1).optMax(4096)
          .optDoc("output channels of conv1; conv2 has twice as many").build(),
      ParamSpec.builder(CLASSES, ParamType.LONG).optMin(1).optMax(Integer.MAX_VALUE)
          .optDoc("number of output logits").build()));

  /** Required by {@link java.util.ServiceLoader}. */
  public CnnFactory() {}

  @Override
  public String name() {
    return "cnn";
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
    return create(resolved, Device.cpu());
  }

  @Override
  public EpochalModel create(HyperParameters resolved, Device device) {
    return new CnnModel("cnn v1", resolved, device);
  }
}
