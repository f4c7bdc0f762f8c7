package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.checkpoint.CheckpointException;
import org.junit.jupiter.api.Test;

class FailureManagerTest {

  private static TrainingException commitFailed(String cause) {
    return new TrainingException(FailureReason.CHECKPOINT_WRITE_FAILED, 4, 0, "checkpoint epoch-000004 was not "
        + "committed", new CheckpointException(4, "file:/jobs/a/checkpoints/_tmp-epoch-000004-x", "write failed",
        new java.io.IOException(cause)));
  }

  @Test
  void aCommittedCheckpointStartsTheAttemptsAndTheirBackoffAgain() throws Exception {
    FailureManager failures = new FailureManager(2, 5);
    TrainingException lost = new TrainingException(FailureReason.WORKER_LOST, 3, 1, "epoch 3 round 1 lost an executor",
        null);
    assertThat(failures.shouldRetry(lost)).isTrue();
    FailureManager.Retry retry = failures.claimRetry(lost).orElseThrow();
    assertThat(retry).isEqualTo(new FailureManager.Retry(1, 5));
    failures.backoff(retry, lost);
    assertThat(failures.attempts()).isEqualTo(2);
    assertThat(failures.nextBackoffMs()).isEqualTo(10);
    assertThat(failures.shouldRetry(lost)).as("2 of 2 attempts spent").isFalse();
    failures.progressed();
    assertThat(failures.attempts()).isEqualTo(1);
    assertThat(failures.nextBackoffMs()).isEqualTo(5);
    assertThat(failures.shouldRetry(lost)).isTrue();
  }

  @Test
  void aCommitTheFileSystemRefusesUntilSomeoneActsIsNotTrainedAgain() {
    FailureManager failures = new FailureManager(3, 0);
    for (String cause : new String[] {"No space left on device", "Read-only file system",
        "/jobs/a/checkpoints (Operation not permitted)",
        "org.apache.hadoop.hdfs.protocol.DSQuotaExceededException: The DiskSpace quota of /jobs/a/checkpoints is "
            + "exceeded: quota = 4096 B = 4 KB but diskspace consumed = 402653184 B = 384 MB"}) {
      TrainingException refused = commitFailed(cause);
      assertThat(failures.shouldRetry(refused)).as(cause).isFalse();
      assertThat(failures.finalFailure(refused)).as("reported as it is, not as given up after retries").isSameAs(refused);
    }
    // a manifest a reader would refuse: the same state gives the same manifest
    TrainingException tooLarge = new TrainingException(FailureReason.CHECKPOINT_WRITE_FAILED, 2, 0, "commit failed",
        new io.epochal.checkpoint.ManifestTooLargeException(2, "/jobs/a/checkpoints/_tmp-epoch-000002-x",
            "its manifest would have 17000000 bytes"));
    assertThat(failures.shouldRetry(tooLarge)).isFalse();
  }

  @Test
  void aRoundPyTorchRefusesForABatchOfOneSampleIsNotTrainedAgainButOtherTaskFailuresAre() {
    FailureManager failures = new FailureManager(3, 0);
    TrainingException oneSample = new TrainingException(FailureReason.TASK_FAILED, 1, 8, "epoch 1 round 8 failed: "
        + "Job aborted due to stage failure", new RuntimeException("ai.djl.engine.EngineException: Expected more than "
        + "1 value per channel when training, got input size [1, 32]"));
    assertThat(failures.shouldRetry(oneSample)).isFalse();
    assertThat(failures.finalFailure(oneSample)).isSameAs(oneSample);
    assertThat(failures.shouldRetry(new TrainingException(FailureReason.TASK_FAILED, 1, 8, "epoch 1 round 8 failed",
        new RuntimeException("java.lang.ArithmeticException")))).isTrue();
  }

  @Test
  void otherCommitFailuresAndLostWorkersAreRetriedUpToTheAttempts() throws TrainingException {
    FailureManager failures = new FailureManager(2, 0);
    assertThat(failures.shouldRetry(commitFailed("Connection reset by peer"))).isTrue();
    assertThat(failures.shouldRetry(new TrainingException(FailureReason.WORKER_LOST, 1, 2, "executor lost", null)))
        .isTrue();
    assertThat(failures.claimRetry(commitFailed("Connection reset by peer"))).isPresent();
    assertThat(failures.shouldRetry(commitFailed("Connection reset by peer"))).as("2 of 2 attempts made").isFalse();
    assertThat(failures.claimRetry(commitFailed("Connection reset by peer"))).isEmpty();
    assertThat(failures.finalFailure(commitFailed("Connection reset by peer")).getMessage())
        .startsWith("gave up after 2 of 2 attempts");
  }

  @Test
  void twoThreadsFailingAtOnceCannotBothTakeTheLastAttempt() throws Exception {
    for (int trial = 0; trial < 200; trial++) {
      FailureManager failures = new FailureManager(2, 0);
      TrainingException lost = new TrainingException(FailureReason.WORKER_LOST, 4, 2, "executor lost", null);
      java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
      java.util.concurrent.atomic.AtomicInteger claimed = new java.util.concurrent.atomic.AtomicInteger();
      Runnable fail = () -> {
        try {
          start.await();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        failures.claimRetry(lost).ifPresent(r -> claimed.incrementAndGet());
      };
      Thread round = new Thread(fail);
      Thread commit = new Thread(fail);
      round.start();
      commit.start();
      round.join();
      commit.join();
      assertThat(claimed).as("trial %s", trial).hasValue(1);
      assertThat(failures.attempts()).isEqualTo(2);
    }
  }

  @Test
  void aWaitToRetryThatIsInterruptedStopsTheJobAsInterruptedAtTheFailuresEpochAndRound() {
    FailureManager failures = new FailureManager(3, 60_000);
    TrainingException lost = new TrainingException(FailureReason.WORKER_LOST, 4, 2, "executor 1 lost", null);
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> failures.backoff(failures.claimRetry(lost).orElseThrow(), lost))
          .isInstanceOfSatisfying(TrainingException.class, e -> {
        assertThat(e.reason()).isEqualTo(FailureReason.INTERRUPTED);
        assertThat(e.reason().retryable()).isFalse();
        assertThat(e.epoch()).isEqualTo(4);
        assertThat(e.round()).isEqualTo(2);
        assertThat(e.getSuppressed()).containsExactly(lost);
      }).hasMessageContaining("interrupted while it waited to retry after WORKER_LOST (executor 1 lost)");
      assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept for the caller").isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void aRoundWhoseResultsExceedTheUsersMaxResultSizeIsNotRetried() {
    FailureManager failures = new FailureManager(3, 0);
    TrainingException tooBig = new TrainingException(FailureReason.TASK_FAILED, 1, 1, "epoch 1 round 1 failed",
        new RuntimeException("Job aborted due to stage failure: Total size of serialized results of 2 tasks "
            + "(1100.0 MiB) is bigger than spark.driver.maxResultSize (1024.0 MiB)"));
    assertThat(FailureClassifier.isResultSizeLimit(tooBig)).isTrue();
    assertThat(failures.shouldRetry(tooBig)).isFalse();
  }

  @Test
  void aRoundWhoseExecutorsRanOutOfMemoryIsNotRetriedWhileAnotherLostExecutorIs() {
    FailureManager failures = new FailureManager(3, 0);
    TrainingException lost = new TrainingException(FailureReason.WORKER_LOST, 1, 1, "epoch 1 round 1 lost an "
        + "executor: Job aborted due to stage failure", null);
    TrainingException outOfMemory = StopCauses.ranOutOfHeap(lost, false, 4, java.util.Optional.empty());
    assertThat(failures.shouldRetry(outOfMemory)).isFalse();
    assertThat(failures.finalFailure(outOfMemory)).as("said as it is, not as attempts given up").isSameAs(outOfMemory);
    assertThat(failures.shouldRetry(StopCauses.ranOutOfHeap(lost, false, 0, java.util.Optional.empty()))).isTrue();
    assertThat(failures.shouldRetry(StopCauses.ranOutOfHeap(new TrainingException(FailureReason.TASK_FAILED, 1,
        1, "epoch 1 round 1 failed", new RuntimeException("java.lang.OutOfMemoryError: Java heap space")), false, 0,
        java.util.Optional.empty())))
        .as("a task's own OutOfMemoryError on an executor").isFalse();
  }

  @Test
  void aNewStartOfTheDriverRepeatsWhatNeedsSomeoneToActButNotWhatCanPass() {
    assertThat(FailureManager.repeatsOnRestart(commitFailed("No space left on device"))).isTrue();
    assertThat(FailureManager.repeatsOnRestart(new TrainingException(FailureReason.BAD_INPUT, 2, 0, "bad row", null)))
        .isTrue();
    assertThat(FailureManager.repeatsOnRestart(new TrainingException(FailureReason.CHECKPOINT_NOT_REPRODUCIBLE, 3, 0,
        "probe differs", null))).isTrue();
    assertThat(FailureManager.repeatsOnRestart(new TrainingException(FailureReason.TASK_FAILED, 1, 2,
        "epoch 1 round 2 failed", new RuntimeException("java.lang.ArithmeticException")))).isTrue();
    assertThat(FailureManager.repeatsOnRestart(commitFailed("Connection reset by peer"))).isFalse();
    assertThat(FailureManager.repeatsOnRestart(new TrainingException(FailureReason.WORKER_LOST, 1, 2, "executor lost",
        null))).isFalse();
    assertThat(FailureManager.repeatsOnRestart(new TrainingException(FailureReason.STORAGE_UNAVAILABLE, 1, 0,
        "NameNode unreachable", null))).isFalse();
    assertThat(FailureManager.repeatsOnRestart(new TrainingException(FailureReason.INTERRUPTED, 1, 0, "SIGTERM",
        null))).as("a stop by a signal is what a restart is for").isFalse();
  }

  @Test
  void tasksTheExecutorsCannotDeserializeAreNotRetried() {
    FailureManager failures = new FailureManager(3, 0);
    TrainingException mismatch = new TrainingException(FailureReason.TASK_FAILED, 1, 1, "epoch 1 round 1 failed",
        new RuntimeException("Job aborted due to stage failure", new IllegalStateException("unread block data")));
    assertThat(failures.shouldRetry(mismatch)).isFalse();
    assertThat(failures.finalFailure(mismatch)).isSameAs(mismatch);
  }
}
