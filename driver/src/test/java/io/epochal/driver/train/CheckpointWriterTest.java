package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class CheckpointWriterTest {

  @Test
  void aFailureWhileACheckpointIsBeingWrittenLetsTheWriteFinishInsteadOfAbandoningIt() throws Exception {
    AtomicBoolean finished = new AtomicBoolean();
    AtomicBoolean interrupted = new AtomicBoolean();
    CountDownLatch started = new CountDownLatch(1);
    RuntimeException roundFailed = new RuntimeException("round 1 of epoch 2 lost an executor");
    try (CheckpointWriter writer = new CheckpointWriter()) {
      writer.submit(1, () -> {
        started.countDown();
        try {
          Thread.sleep(300);
          finished.set(true);
        } catch (InterruptedException e) {
          interrupted.set(true);
        }
        return null;
      });
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      writer.finishAfter(roundFailed);
    }
    assertThat(finished).isTrue();
    assertThat(interrupted).isFalse();
    assertThat(roundFailed.getSuppressed()).isEmpty();
  }

  @Test
  void theFailureOfTheWriteInFlightIsAddedToTheFailureThatEndedTraining() throws Exception {
    RuntimeException roundFailed = new RuntimeException("round failed");
    try (CheckpointWriter writer = new CheckpointWriter()) {
      writer.submit(3, () -> {
        throw new IllegalStateException("disk full");
      });
      writer.finishAfter(roundFailed);
    }
    assertThat(roundFailed.getSuppressed()).singleElement()
        .satisfies(s -> assertThat(s).isInstanceOf(TrainingException.class).hasMessageContaining("epoch 3")
            .hasMessageContaining("disk full"));
  }

  @Test
  void aWriteThatFailedStopsTheNextRoundWithoutWaitingForTheNextEpoch() throws Exception {
    try (CheckpointWriter writer = new CheckpointWriter()) {
      CountDownLatch release = new CountDownLatch(1);
      writer.submit(1, () -> {
        release.await();
        return null;
      });
      writer.checkFinished(); // still running: a round goes ahead
      release.countDown();
      writer.await();
      writer.submit(2, () -> {
        throw new IllegalStateException("quota exceeded");
      });
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (true) {
        try {
          writer.checkFinished();
        } catch (TrainingException e) {
          assertThat(e.reason()).isEqualTo(FailureReason.CHECKPOINT_WRITE_FAILED);
          assertThat(e).hasMessageContaining("epoch 2").hasMessageContaining("quota exceeded");
          break;
        }
        assertThat(System.nanoTime()).as("the failed write is reported").isLessThan(deadline);
        Thread.sleep(5);
      }
    }
  }
}
