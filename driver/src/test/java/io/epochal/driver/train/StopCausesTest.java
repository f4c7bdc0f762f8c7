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
    TrainingException named = StopCauses.ranOutOfHeap(lost(FailureReason.WORKER_LOST), false, 2, java.util.Optional.empty());

    assertThat(named.reason()).as("still a lost worker: a retry may fit").isEqualTo(FailureReason.WORKER_LOST);
    assertThat(named.getMessage()).startsWith("epoch 1 round 1 lost an executor: Job aborted due to stage failure; "
        + "2 executors ran out of memory while it ran (exit code 52, Spark's exit on an OutOfMemoryError): "
        + "give the executors more (spark.executor.memory, spark-submit --executor-memory) or train a smaller model");
    assertThat(StopCauses.ranOutOfHeap(lost(FailureReason.TASK_FAILED), false, 1, java.util.Optional.empty()).getMessage())
        .contains("; an executor ran out of memory while it ran (exit code 52");
  }

  @Test
  void aFailureWithoutExecutorsOutOfMemoryOrOfTheDriversCommitIsLeftAsItWas() {
    TrainingException lost = lost(FailureReason.WORKER_LOST);
    assertThat(StopCauses.ranOutOfHeap(lost, false, 0, java.util.Optional.empty())).isSameAs(lost);
    TrainingException commit = lost(FailureReason.CHECKPOINT_WRITE_FAILED);
    assertThat(StopCauses.ranOutOfHeap(commit, false, 1, java.util.Optional.empty())).as("the driver writes checkpoints").isSameAs(commit);
  }

  @Test
  void aLocalFailureIsTheHeapsOnlyWhenItRanOutDuringTheFailedWork() {
    TrainingException lost = lost(FailureReason.TASK_FAILED);
    assertThat(StopCauses.ranOutOfHeap(lost, true, 0, java.util.Optional.empty())).isSameAs(lost);
    TrainingException heap = StopCauses.ranOutOfHeap(lost, true, 0,
        java.util.Optional.of("the driver's heap ran out: 1 full garbage collection for lack of room"));
    assertThat(heap.reason()).isEqualTo(FailureReason.DRIVER_OUT_OF_MEMORY);
    assertThat(heap.getMessage()).contains("1 full garbage collection for lack of room, which is the likely cause");
  }

  @Test
  void aRoundCancelledOnAClusterAfterTheDriversHeapRanOutIsTheDriversNotRetriedIntoTheSameStall() {
    // the driver's result-fetching thread died of OutOfMemoryError; its stall watch cancelled the round's jobs
    TrainingException cancelled = new TrainingException(FailureReason.TASK_FAILED, 2, 3, "epoch 2 round 3 failed: "
        + "Job 41 cancelled as part of cancellation of all jobs", null);
    TrainingException heap = StopCauses.ranOutOfHeap(cancelled, false, 0,
        java.util.Optional.of("an OutOfMemoryError ended thread task-result-getter-0"));
    assertThat(heap.reason()).isEqualTo(FailureReason.DRIVER_OUT_OF_MEMORY);
    assertThat(heap.getMessage()).contains("task-result-getter-0, which is the likely cause");
    TrainingException commit = lost(FailureReason.CHECKPOINT_WRITE_FAILED);
    assertThat(StopCauses.ranOutOfHeap(commit, false, 0, java.util.Optional.of("the driver's heap ran out"))
        .reason()).as("the driver writes checkpoints on a cluster too").isEqualTo(FailureReason.DRIVER_OUT_OF_MEMORY);
  }

  @Test
  void onAClusterOnlyADriverThreadKilledByOutOfMemoryErrorMakesAFailureTheDriversHeap() {
    java.util.Optional<String> full = java.util.Optional.of("the driver's heap ran out: 1 full garbage collection");
    java.util.Optional<String> killed = java.util.Optional.of("an OutOfMemoryError ended thread task-result-getter-0");
    java.util.Optional<String> none = java.util.Optional.empty();
    // a full collection long before a spot executor is lost does not make the loss a final DRIVER_OUT_OF_MEMORY
    assertThat(StopCauses.driverEvidence(false, full, none)).isEmpty();
    assertThat(StopCauses.driverEvidence(false, full, killed)).isEqualTo(killed);
    assertThat(StopCauses.driverEvidence(true, full, none)).as("local: the executors share that heap").isEqualTo(full);
    assertThat(StopCauses.driverEvidence(true, none, killed)).isEqualTo(killed);
  }
}
