package io.epochal.worker.round;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.epochal.worker.data.DataShard;
import io.epochal.worker.state.NativeBuffers;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchInputTest {

  @Test
  void stepArraysSitOnTheEngineAlignmentAndHoldTheGatheredRows() {
    DataShard shard = RoundFixtures.shard(0, 64, 3);
    int[] perm = BatchPlan.permutation(shard.rows(), 9, 0, 0);
    List<BatchInput> inputs = new ArrayList<>(); // alive together: each has buffers of its own
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      for (int batch = 1; batch <= 24; batch++) {
        BatchInput input = new BatchInput(shard, batch);
        inputs.add(input);
        input.fill(perm, 0, batch);
        NDArray x = input.features(manager);
        NDArray y = input.labels(manager);
        assertThat(NativeBuffers.isAligned(x.toByteBuffer(true))).as("features of a batch of %d", batch).isTrue();
        assertThat(NativeBuffers.isAligned(y.toByteBuffer(true))).as("labels of a batch of %d", batch).isTrue();
        float[] features = x.toFloatArray();
        int fs = shard.featureSize();
        for (int i = 0; i < batch; i++) {
          for (int f = 0; f < fs; f++) {
            assertThat(features[i * fs + f]).isEqualTo(shard.features()[perm[i] * fs + f]);
          }
        }
      }
    }
    assertThat(inputs).hasSize(24);
  }

  @Test
  void aBatchSizeLargerThanTheShardTakesBuffersOfTheShardsRowsOnly() {
    // 2^20 rows of 4096 features would overflow an int (and need 16 GiB); the shard holds 10 rows
    float[] features = new float[10 * 4096];
    for (int i = 0; i < features.length; i++) {
      features[i] = i;
    }
    DataShard shard = new DataShard(0, 10, new long[] {4096}, 1, features, new float[10]);
    BatchInput input = new BatchInput(shard, 1 << 20);
    int[] perm = BatchPlan.permutation(shard.rows(), 9, 0, 0);
    input.fill(perm, 0, 10);
    try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
      NDArray x = input.features(manager);
      assertThat(x.getShape().getShape()).containsExactly(10, 4096);
      assertThat(x.toFloatArray()[4096 * 3]).isEqualTo(perm[3] * 4096f);
    }
  }
}
