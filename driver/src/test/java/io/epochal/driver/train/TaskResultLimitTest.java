package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import org.junit.jupiter.api.Test;

/** A state too large for one task result is reduced in shards that each fit one; a state that fits is not. */
class TaskResultLimitTest {

  /** Four float tensors of 100, 100, 50 and 10 values: 1040 bytes. */
  private static StateDict state() {
    return StateDict.builder().put("a", Tensor.ofFloats(new long[] {100}, new float[100]))
        .put("b", Tensor.ofFloats(new long[] {100}, new float[100]))
        .put("c", Tensor.ofFloats(new long[] {50}, new float[50]))
        .put("d", Tensor.ofFloats(new long[] {10}, new float[10])).build();
  }

  @Test
  void aStateThatFitsOneResultKeepsTheWantedShardsAndItsSingleWorkerPath() {
    TaskResultLimit limit = TaskResultLimit.of(state(), 1040).withMaxBytes(1040);
    assertThat(limit.fitsOneResult()).isTrue();
    assertThat(limit.reduceShards(1)).isEqualTo(1);
    assertThat(limit.reduceShards(3)).isEqualTo(3);
  }

  @Test
  void aStateLargerThanOneResultIsReducedInShardsOfAtMostTheLimitEachAsShardPlanPlacesThem() {
    // 1040 bytes, largest tensor 400: a shard holds its share plus at most one largest tensor
    TaskResultLimit limit = TaskResultLimit.of(state(), 1040).withMaxBytes(800);
    assertThat(limit.fitsOneResult()).isFalse();
    assertThat(limit.reduceShards(1)).isEqualTo(3); // ceil(1040 / (800 - 400))
    assertThat(limit.reduceShards(4)).isEqualTo(4);
    io.epochal.driver.aggregate.ShardPlan plan = io.epochal.driver.aggregate.ShardPlan.of(state(), 3);
    for (int s = 0; s < 3; s++) {
      assertThat(plan.bytesIn(s)).as("shard %s", s).isLessThanOrEqualTo(800);
    }
  }

  @Test
  void theOptimizersTensorsAFreshStateLacksCountAndNeverMoreShardsThanTensors() {
    TaskResultLimit fresh = TaskResultLimit.of(state(), 3 * 1040L).withMaxBytes(1040);
    assertThat(fresh.fitsOneResult()).as("with Adam's two moments the result is 3 x the model").isFalse();
    assertThat(fresh.reduceShards(1)).isEqualTo(5); // ceil(3120 / (1040 - 400)), of the results' 12 tensors
    assertThat(TaskResultLimit.of(state(), 1040).withMaxBytes(300).reduceShards(1)).as("largest tensor over the "
        + "limit: one tensor per shard").isEqualTo(4);
    assertThat(TaskResultLimit.of(state(), 1040).withMaxBytes(401).reduceShards(1)).as("1 byte of room: the "
        + "tensors cap it").isEqualTo(4);
  }

  @Test
  void theDefaultLimitIsHalfAKryoBufferAndNoneNeverSplits() {
    assertThat(TaskResultLimit.DEFAULT_BYTES).isEqualTo(1L << 30);
    assertThat(TaskResultLimit.of(state(), 1040).fitsOneResult()).isTrue();
    assertThat(TaskResultLimit.NONE.fitsOneResult()).isTrue();
    assertThat(TaskResultLimit.NONE.reduceShards(2)).isEqualTo(2);
  }
}
