package io.epochal.driver.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.tensor.StateDict;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShardPlanTest {

  @Test
  void everyTensorIsInExactlyOneShardAndShardsAreBalancedByBytes() {
    Map<String, Long> sizes = new LinkedHashMap<>();
    long largest = 0;
    for (int i = 0; i < 40; i++) {
      long bytes = 4L * (1 + (i * 7919L) % 1000);
      sizes.put("layer." + i + ".weight", bytes);
      largest = Math.max(largest, bytes);
    }
    ShardPlan plan = ShardPlan.of(sizes, 4);
    List<String> seen = new ArrayList<>();
    long min = Long.MAX_VALUE;
    long max = 0;
    for (int s = 0; s < 4; s++) {
      seen.addAll(plan.namesIn(s));
      min = Math.min(min, plan.bytesIn(s));
      max = Math.max(max, plan.bytesIn(s));
    }
    assertThat(seen).containsExactlyInAnyOrderElementsOf(sizes.keySet());
    assertThat(plan.totalBytes()).isEqualTo(sizes.values().stream().mapToLong(Long::longValue).sum());
    assertThat(max - min).isLessThanOrEqualTo(largest);
  }

  @Test
  void planIsAPureFunctionOfNamesSizesAndShardCount() {
    StateDict state = States.model(10_000, 1, 1, 1f);
    StateDict sameLayoutOtherValues = States.model(10_000, 2, 5, 9f);
    assertThat(ShardPlan.of(state, 3)).isEqualTo(ShardPlan.of(sameLayoutOtherValues, 3));
    assertThat(ShardPlan.of(state, 3)).isNotEqualTo(ShardPlan.of(state, 2));
  }

  @Test
  void splitKeepsStateOrderWithinShardsAndRecordsPositions() {
    StateDict state = States.model(1000, 1, 1, 1f);
    ShardPlan plan = ShardPlan.of(state, 3);
    List<ShardPiece> pieces = plan.split(5, 10, 2, 1.5, state);
    assertThat(pieces).hasSize(3);
    int total = 0;
    for (ShardPiece p : pieces) {
      assertThat(p.worker()).isEqualTo(5);
      assertThat(new ArrayList<>(p.state().names())).isEqualTo(plan.namesIn(p.shard()));
      int i = 0;
      for (String name : p.state().names()) {
        assertThat(state.nameList().get(p.position(i++))).isEqualTo(name);
      }
      total += p.state().size();
    }
    assertThat(total).isEqualTo(state.size());
  }

  @Test
  void moreShardsThanTensorsLeavesEmptyShards() {
    StateDict state = States.model(100, 1, 1, 1f);
    ShardPlan plan = ShardPlan.of(state, state.size() + 3);
    assertThat(plan.split(0, 1, 1, 0, state)).hasSize(state.size() + 3)
        .filteredOn(p -> p.state().isEmpty()).hasSize(3);
  }

  @Test
  void zeroShardsIsRefused() {
    assertThatThrownBy(() -> ShardPlan.of(StateDict.empty(), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("got 0");
  }
}
