package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.checkpoint.CheckpointManifest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * What a stopped driver writes of the epoch in progress: the newest state offered, once, admitted
 * although its commit begins after the stop, and given up when it outlasts the stop's time.
 */
class StopSnapshotTest {

  private final CommitDrain drain = new CommitDrain();
  private final List<String> warnings = new ArrayList<>();
  private final TrainingListener listener = new TrainingListener() {
    @Override
    public void warning(String message) {
      warnings.add(message);
    }
  };

  private static CheckpointManifest manifest() {
    return CheckpointManifest.builder().setJobId("j").setEpoch(1).setModel("mlp", "1").build();
  }

  private Optional<String> write(StopSnapshot snapshot, Duration budget) {
    return write(snapshot, budget, 2);
  }

  /** The stop's write, {@code committedEpochs} the newest epoch whose checkpoint is published. */
  private Optional<String> write(StopSnapshot snapshot, Duration budget, long committedEpochs) {
    return snapshot.writeNow(() -> null, drain, listener, budget, committedEpochs);
  }

  @Test
  void aStateThatContinuesAnEpochWhoseCheckpointIsNotPublishedIsNotWrittenAndThatIsSaid() {
    StopSnapshot snapshot = new StopSnapshot();
    snapshot.offer(4, 2, 20, mid -> {
      throw new AssertionError("epoch 3, which it continues, was not published");
    });
    drain.stop();
    assertThat(write(snapshot, Duration.ofSeconds(10))).isEmpty();
    assertThat(warnings).singleElement().asString().contains("the state after round 2 of epoch 4 is not written as a "
        + "mid-epoch checkpoint: it continues epoch 3, whose checkpoint is not published, so a resume trains epoch 3 "
        + "and the rounds after it again");
  }

  @Test
  void theNewestStateOfferedIsWrittenOnceWithItsCommitAdmittedAfterTheStop() {
    StopSnapshot snapshot = new StopSnapshot();
    AtomicInteger writes = new AtomicInteger();
    snapshot.offer(2, 2, 6, mid -> {
      throw new AssertionError("an older state is not written");
    });
    snapshot.offer(2, 3, 7, mid -> {
      writes.incrementAndGet();
      assertThat(drain.admit(2)).as("admitted although it began after the stop").isTrue();
      return manifest();
    });
    drain.stop();
    assertThat(drain.admit(2)).as("a commit that began after the stop is refused").isFalse();
    assertThat(write(snapshot, Duration.ofSeconds(10), 1)).hasValue("a mid-epoch checkpoint holds rounds 1-3 of "
        + "epoch 2 (step 7)");
    assertThat(write(snapshot, Duration.ofSeconds(10), 1)).as("written once").isEmpty();
    assertThat(writes).hasValue(1);
    assertThat(warnings).isEmpty();
  }

  @Test
  void nothingIsWrittenOnceItsEpochIsPublishedOrAMidEpochCheckpointOfItsStepIsWrittenAlready() {
    StopSnapshot snapshot = new StopSnapshot();
    snapshot.offer(3, 4, 4, mid -> {
      throw new AssertionError("not written");
    });
    snapshot.written(4);
    assertThat(write(snapshot, Duration.ofSeconds(10))).isEmpty();
    snapshot.offer(2, 8, 16, mid -> {
      throw new AssertionError("epoch 2's own checkpoint holds the state after its last round");
    });
    assertThat(write(snapshot, Duration.ofSeconds(10))).isEmpty();
    assertThat(warnings).isEmpty();
  }

  @Test
  void theStateAfterAnEpochsLastRoundIsWrittenLikeAnyOtherWhileItsEpochIsNotPublished() {
    StopSnapshot snapshot = new StopSnapshot();
    snapshot.offer(3, 8, 24, mid -> manifest()); // epoch 3's evaluation or the wait for epoch 2's write ran
    drain.stop();
    assertThat(write(snapshot, Duration.ofSeconds(10))).hasValue("a mid-epoch checkpoint holds rounds 1-8 of epoch 3 "
        + "(step 24)");
    assertThat(warnings).isEmpty();
  }

  @Test
  void aWriteThatOutlastsTheStopsTimeIsGivenUpAndSaidSo() {
    StopSnapshot snapshot = new StopSnapshot();
    java.util.concurrent.CountDownLatch never = new java.util.concurrent.CountDownLatch(1);
    snapshot.offer(3, 5, 40, mid -> {
      try {
        never.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return manifest();
    });
    long start = System.nanoTime();
    assertThat(write(snapshot, Duration.ofMillis(300))).isEmpty();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(warnings).singleElement().asString().contains("the state after round 5 of epoch 3 was not written "
        + "as a mid-epoch checkpoint within 0.3 s").contains("a resume trains those rounds again");
    never.countDown();
  }

  @Test
  void aWriteThatFailsIsSaidAndTheStopGoesOn() {
    StopSnapshot snapshot = new StopSnapshot();
    snapshot.offer(2, 1, 5, mid -> {
      throw new TrainingException(FailureReason.CHECKPOINT_WRITE_FAILED, 2, 1, "disk gone", null);
    });
    assertThat(write(snapshot, Duration.ofSeconds(10), 1)).isEmpty();
    assertThat(warnings).singleElement().asString().contains("could not be written as a mid-epoch checkpoint (disk "
        + "gone)");
  }
}
