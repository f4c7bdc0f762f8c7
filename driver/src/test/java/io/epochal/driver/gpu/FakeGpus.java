package io.epochal.driver.gpu;

import io.epochal.params.HyperParameters;
import io.epochal.tensor.StateDict;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.device.DeviceMode;
import io.epochal.worker.model.EpochalModel;
import io.epochal.worker.model.ModelRegistry;
import io.epochal.worker.optim.Optimizers;
import io.epochal.worker.round.Seeds;
import io.epochal.worker.round.TrainingConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.SplittableRandom;

/** A fake-GPU discovery script, a small model config and shards for the GPU tests. */
final class FakeGpus {

  static final int FEATURES = 5;
  static final int BATCH = 8;

  private FakeGpus() {}

  /**
   * Writes an executable discovery script into {@code dir} for a host whose GPUs are
   * {@code addresses}. Each call of the script (one per standalone worker at its start) claims the
   * next unclaimed address with an atomic {@code mkdir} and reports it as
   * {@code {"name":"gpu","addresses":["0"]}}, as a host running one worker per GPU must split its
   * GPUs; Spark's workers on one host do not coordinate. Once every address is claimed it reports
   * all of them.
   */
  static Path writeDiscoveryScript(Path dir, String... addresses) throws IOException {
    Path claims = Files.createDirectories(dir.resolve("claims"));
    StringBuilder sb = new StringBuilder("#!/bin/sh\n");
    for (String a : addresses) {
      sb.append("if mkdir '").append(claims.resolve("gpu-" + a)).append("' 2>/dev/null; then\n")
          .append("  echo '{\"name\":\"gpu\",\"addresses\":[\"").append(a).append("\"]}'\n  exit 0\nfi\n");
    }
    sb.append("echo '{\"name\":\"gpu\",\"addresses\":[")
        .append(String.join(",", java.util.Arrays.stream(addresses).map(a -> "\"" + a + "\"").toList()))
        .append("]}'\n");
    Path script = dir.resolve("discover-gpus.sh");
    Files.writeString(script, sb.toString());
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    return script;
  }

  static TrainingConfig config(DeviceMode mode) {
    HyperParameters model = ModelRegistry.getDefault().resolve("mlp", 1, HyperParameters.builder()
        .put("input_dim", (long) FEATURES).put("hidden", List.of(8L)).put("output_dim", 2L).build());
    return TrainingConfig.builder()
        .setModel("mlp", 1, model)
        .setOptimizer("sgd", Optimizers.params("sgd").resolve(HyperParameters.builder().put("lr", 0.1).build()))
        .optSchedule(HyperParameters.builder().put("schedule", "constant").build())
        .setLoss("softmax_cross_entropy")
        .setBatchSize(BATCH)
        .optLocalSteps(2)
        .setSeed(3)
        .optDevice(mode)
        .build();
  }

  static StateDict initialState(TrainingConfig config) {
    try (EpochalModel m = ModelRegistry.getDefault().create("mlp", 1, config.modelParams())) {
      m.initialize(Seeds.derive(config.seed(), Seeds.INIT));
      return m.stateDict();
    }
  }

  static DataShard shard(int worker, int rows) {
    SplittableRandom rng = new SplittableRandom(worker * 31L + 1);
    float[] x = new float[rows * FEATURES];
    float[] y = new float[rows];
    for (int i = 0; i < rows; i++) {
      for (int f = 0; f < FEATURES; f++) {
        x[i * FEATURES + f] = (float) rng.nextGaussian();
      }
      y[i] = x[i * FEATURES + 1] > 0 ? 1 : 0;
    }
    return new DataShard(worker, rows, new long[] {FEATURES}, 1, x, y);
  }
}
