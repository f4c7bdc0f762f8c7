package io.epochal.worker.model.builtin;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.pooling.Pool;
import io.epochal.params.HyperParameters;
import io.epochal.worker.model.BaseEpochalModel;
import java.util.SplittableRandom;

/**
 * The small convolutional net behind {@code cnn} v1. Equivalent to this {@code torch.nn} module
 * (see {@code worker/MODELS.md}), with {@code c = channels}:
 *
 * <pre>{@code
 * conv1 = nn.Conv2d(in_channels, c, 3, padding=1); bn1 = nn.BatchNorm2d(c)
 * conv2 = nn.Conv2d(c, 2c, 3, padding=1);          bn2 = nn.BatchNorm2d(2c)
 * fc = nn.Linear(2c, classes)
 * forward(x) = fc(mean_hw(relu(bn2(conv2(max_pool2d(relu(bn1(conv1(x))), 2))))))
 * }</pre>
 *
 * <p>{@code mean_hw} is the global average over height and width ({@code nn.AdaptiveAvgPool2d(1)}
 * then {@code flatten(1)}), so any image size of at least 2 works. At 2 or 3 the pooled map bn2
 * normalizes is 1x1, and BatchNorm (in PyTorch too) cannot train on one value per channel: a
 * training batch of a single sample is refused with a message saying so.
 */
final class CnnModel extends BaseEpochalModel {

  private static final Shape POOL = new Shape(2, 2);
  private static final Shape NO_PAD = new Shape(0, 0);

  private final Layers.Conv2dLayer conv1;
  private final Layers.BatchNorm2dLayer bn1;
  private final Layers.Conv2dLayer conv2;
  private final Layers.BatchNorm2dLayer bn2;
  private final Layers.LinearLayer fc;

  CnnModel(String description, HyperParameters hp, Device device) {
    super(description, new long[] {hp.getLong(CnnFactory.IN_CHANNELS), hp.getLong(CnnFactory.IMAGE_SIZE),
        hp.getLong(CnnFactory.IMAGE_SIZE)}, hp.getInt(CnnFactory.CLASSES), device);
    long in = hp.getLong(CnnFactory.IN_CHANNELS);
    long c = hp.getLong(CnnFactory.CHANNELS);
    conv1 = new Layers.Conv2dLayer(state(), "conv1", in, c, 3);
    bn1 = new Layers.BatchNorm2dLayer(state(), "bn1", c);
    conv2 = new Layers.Conv2dLayer(state(), "conv2", c, 2 * c, 3);
    bn2 = new Layers.BatchNorm2dLayer(state(), "bn2", 2 * c);
    fc = new Layers.LinearLayer(state(), "fc", 2 * c, hp.getLong(CnnFactory.CLASSES));
  }

  /** 2 when the pooled map {@code bn2} normalizes is 1×1 (image size 2 or 3), else 1. */
  @Override
  public int minTrainingBatch() {
    long pooled = inputShape()[1] / 2; // max_pool2d with kernel and stride 2, no padding
    return pooled * pooled == 1 ? 2 : 1;
  }

  @Override
  protected NDArray forwardBatch(NDArray input, boolean training, SplittableRandom rng) {
    NDArray x = ai.djl.nn.Activation.relu(bn1.apply(conv1.apply(input), training));
    x = Pool.maxPool2d(x, POOL, POOL, NO_PAD, false);
    if (training && x.getShape().get(0) == 1 && x.getShape().get(2) * x.getShape().get(3) == 1) {
      throw new IllegalArgumentException("cnn v1 with image_size " + input.getShape().get(2) + " cannot train on a "
          + "batch of one sample: bn2 then sees one value per channel, and BatchNorm needs more (as in PyTorch); "
          + "use image_size >= 4, or a train.batch_size and row count that leave no batch of one");
    }
    x = ai.djl.nn.Activation.relu(bn2.apply(conv2.apply(x), training));
    long[] s = x.getShape().getShape();
    x = x.reshape(s[0], s[1], s[2] * s[3]).mean(new int[] {2}); // global average over H and W
    return fc.apply(x);
  }
}
