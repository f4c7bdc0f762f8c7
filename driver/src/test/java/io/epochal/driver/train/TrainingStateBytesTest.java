package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import io.epochal.worker.round.FrozenParameters;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The size of the state a run's heap check counts, optimizer included. */
class TrainingStateBytesTest {

  private static final FrozenParameters TWO_EPOCHS = FrozenParameters.of(List.of("a"), 2);

  /** Parameters a (4 floats, frozen) and b (2 floats), with Adam's two moments of b only. */
  private static StateDict frozenCheckpoint() {
    return StateDict.builder()
        .put("a", Tensor.ofFloats(new long[] {4}, 1f, 2f, 3f, 4f))
        .put("b", Tensor.ofFloats(new long[] {2}, 1f, 2f))
        .put("optimizer.b.exp_avg", Tensor.ofFloats(new long[] {2}, 0f, 0f))
        .put("optimizer.b.exp_avg_sq", Tensor.ofFloats(new long[] {2}, 0f, 0f))
        .build();
  }

  @Test
  void aFreshStateCountsTheOptimizersTensorsOfEveryParameter() {
    StateDict model = StateDict.builder().put("a", Tensor.ofFloats(new long[] {4}, 1f, 2f, 3f, 4f)).build();
    assertThat(ResumePoint.trainingStateBytes(model, -1, 2, FrozenParameters.NONE)).isEqualTo(3 * 16);
  }

  @Test
  void aCheckpointCountsWhatItHoldsUnlessFrozenParametersTrainLater() {
    StateDict state = frozenCheckpoint();
    long held = state.totalBytes();
    assertThat(held).isEqualTo(16 + 8 + 8 + 8);
    assertThat(ResumePoint.trainingStateBytes(state, 1, 2, TWO_EPOCHS)).as("after epoch 1 of 2 frozen: a's "
        + "state is created in epoch 3 and counted now").isEqualTo(3 * (16 + 8));
    assertThat(ResumePoint.trainingStateBytes(state, 2, 2, TWO_EPOCHS)).as("after the last frozen epoch too")
        .isEqualTo(3 * (16 + 8));
    StateDict.Builder trained = StateDict.builder().putAll(state)
        .put("optimizer.a.exp_avg", Tensor.ofFloats(new long[] {4}, 0f, 0f, 0f, 0f))
        .put("optimizer.a.exp_avg_sq", Tensor.ofFloats(new long[] {4}, 0f, 0f, 0f, 0f));
    assertThat(ResumePoint.trainingStateBytes(trained.build(), 3, 2, TWO_EPOCHS)).as("after an epoch that trained a")
        .isEqualTo(3 * (16 + 8));
    assertThat(ResumePoint.trainingStateBytes(state, 3, 2, TWO_EPOCHS)).as("what a checkpoint holds, once past them")
        .isEqualTo(held);
    assertThat(ResumePoint.trainingStateBytes(state, 3, 2, FrozenParameters.of(List.of("a")))).as("frozen for "
        + "good: a never gets state").isEqualTo(held);
  }
}
