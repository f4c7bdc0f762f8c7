package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How a round's failure on a cluster is named when executors ran out of memory during its attempt. */
class StopCausesTest {

  private static TrainingException lost(FailureReason reason) {
    return new TrainingException(reason, 1, 1, "epoch 1 round 1 lost an executor: Job aborted due to stage failure", null);
  }

  @Test
  void aRoundLostWhileExecutorsRanOutOfMemoryOnAClusterNamesThemAndTheSettingThatGivesThemMore() {
    TrainingException named = StopCauses.ranOutOfHeap(null, lost(FailureReason.WORKER_LOST), false, 2);

    assertThat(named.reason()).as("still a lost worker: a retry may fit").isEqualTo(FailureReason.WORKER_LOST);
    assertThat(named.getMessage()).startsWith("epoch 1 round 1 lost an executor: Job aborted due to stage failure; "
        + "2 executors ran out of memory during the attempt (exit code 52, Spark's exit on an OutOfMemoryError): "
        + "give the executors more (spark.executor.memory, spark-submit --executor-memory) or train a smaller model");
    assertThat(StopCauses.ranOutOfHeap(null, lost(FailureReason.TASK_FAILED), false, 1).getMessage())
        .contains("; an executor ran out of memory during the attempt (exit code 52");
  }

  @Test
  void aFailureWithoutExecutorsOutOfMemoryOrOfTheDriversCommitIsLeftAsItWas() {
    TrainingException lost = lost(FailureReason.WORKER_LOST);
    assertThat(StopCauses.ranOutOfHeap(null, lost, false, 0)).isSameAs(lost);
    TrainingException commit = lost(FailureReason.CHECKPOINT_WRITE_FAILED);
    assertThat(StopCauses.ranOutOfHeap(null, commit, false, 1)).as("the driver writes checkpoints").isSameAs(commit);
  }
}
