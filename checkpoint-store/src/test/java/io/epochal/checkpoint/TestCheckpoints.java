package io.epochal.checkpoint;

import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.time.Instant;
import java.util.Random;

/** Deterministic checkpoint content for tests: the values depend on the epoch. */
public final class TestCheckpoints {

  private TestCheckpoints() {}

  static float[] floats(long seed, int n) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  public static CheckpointManifest manifest(long epoch) {
    return CheckpointManifest.builder()
        .setJobId("job-test")
        .setEpoch(epoch)
        .optGlobalStep(epoch * 100)
        .setModel("mlp", "v1")
        .optHyperParameters(HyperParameters.builder().put("lr", 0.1).put("batch_size", 64)
            .put("hidden", java.util.List.of(256L, 128L)).put("optimizer", "adam").build())
        .optMetric("train_loss", 1.0 / (epoch + 1))
        .optLearningRateSchedule(HyperParameters.builder().put("kind", "step").put("last_epoch", epoch).build())
        .optRandomState(HyperParameters.builder().put("seed", 1234L).put("epoch", epoch).put("round", 0L).build())
        .optVersion("epochal", "0.1.0").optVersion("djl", "0.36.0").optVersion("engine", "PyTorch")
        .optVersion("engine_native", "2.7.1").optVersion("java", "17").optVersion("spark", "4.0.1")
        .optVersion("hadoop", "3.4.1")
        .optCreatedAt(Instant.parse("2026-01-02T03:04:05.678Z"))
        .optProbeDigest("ab".repeat(32))
        .optDataDigest("cd".repeat(32))
        .build();
  }

  /** Content of {@code epoch} whose model holds about {@code floats} floats. */
  static CheckpointContent content(long epoch, int floats) {
    StateDict model = StateDict.builder()
        .put("net.0.weight", Tensor.ofFloats(new long[] {floats / 4, 4}, floats(epoch, floats / 4 * 4)))
        .put("net.0.bias", Tensor.ofFloats(new long[] {4}, floats(epoch + 1000, 4)))
        .put("bn1.num_batches_tracked", Tensor.scalarLong(epoch * 10))
        .build();
    StateDict optimizer = StateDict.builder()
        .put("net.0.weight.exp_avg", Tensor.ofFloats(new long[] {floats / 4, 4}, floats(epoch + 7, floats / 4 * 4)))
        .put("net.0.weight.step", Tensor.scalarFloat(epoch * 100f))
        .build();
    StateDict probe = StateDict.builder()
        .put("input", Tensor.ofFloats(new long[] {1, 4}, 1f, 2f, 3f, 4f))
        .put("output", Tensor.ofFloats(new long[] {1, 2}, floats(epoch + 99, 2)))
        .build();
    return CheckpointContent.builder().setModel(model).optOptimizer(optimizer).optProbe(probe)
        .setManifest(manifest(epoch)).build();
  }

  static CheckpointContent content(long epoch) {
    return content(epoch, 4096);
  }

  /** {@code c} with {@code ema} as its exponential moving average. */
  static CheckpointContent withEma(CheckpointContent c, StateDict ema) {
    return CheckpointContent.builder().setModel(c.model()).optOptimizer(c.optimizer()).optProbe(c.probe())
        .optEma(ema).setManifest(c.manifest()).build();
  }

  /** {@link #content(long)} with an EMA: the model's names, dtypes and shapes, other values. */
  static CheckpointContent contentWithEma(long epoch) {
    return withEma(content(epoch), content(epoch + 500).model());
  }
}
