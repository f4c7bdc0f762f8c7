package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class CommitDrainTest {

  @Test
  void onlyTheStopsOwnSnapshotIsAdmittedAfterTheStopNotACommitOfItsEpochTheTrainingThreadBegins() throws Exception {
    CommitDrain drain = new CommitDrain();
    drain.started(2); // a mid-epoch write of epoch 2 in flight at the stop, given up at the wait's end
    assertThat(drain.stop()).containsExactly(2L);
    assertThat(drain.awaitStopped(Duration.ofMillis(10)).ended()).isFalse();
    AtomicBoolean snapshotAdmitted = new AtomicBoolean();
    Thread writer = new Thread(() -> snapshotAdmitted.set(drain.admit(2)));
    drain.admitAfterStop(2, writer);
    assertThat(drain.admit(2)).as("a commit of epoch 2 the training thread begins after the stop").isFalse();
    drain.ended(2); // the write given up ends: it does not take the snapshot's admission back
    writer.start();
    writer.join();
    assertThat(snapshotAdmitted).isTrue();
  }

  @Test
  void theStopsSnapshotGivenUpBeforeItsGuardRanIsRefusedAndOneAdmittedAlreadyIsSaidToBePublishing()
      throws Exception {
    CommitDrain drain = new CommitDrain();
    drain.stop();
    AtomicBoolean late = new AtomicBoolean(true);
    Thread lateWriter = new Thread(() -> late.set(drain.admit(3)));
    drain.admitAfterStop(3, lateWriter);
    assertThat(drain.withdrawAfterStop(3)).as("given up before its guard ran").isTrue();
    lateWriter.start(); // its guard runs after the stop gave it up
    lateWriter.join();
    assertThat(late).as("refused: the stop said nothing of it becomes visible").isFalse();

    AtomicBoolean early = new AtomicBoolean();
    Thread earlyWriter = new Thread(() -> early.set(drain.admit(4)));
    drain.admitAfterStop(4, earlyWriter);
    earlyWriter.start();
    earlyWriter.join();
    assertThat(early).isTrue();
    assertThat(drain.withdrawAfterStop(4)).as("its publish began: it may become visible").isFalse();
  }

  @Test
  void beforeAStopNoEpochIsRefused() {
    CommitDrain drain = new CommitDrain();
    drain.started(3);
    assertThat(drain.refuses(3)).isFalse();
    assertThat(drain.refuses(4)).isFalse();
    assertThat(drain.isStopped()).isFalse();
  }

  @Test
  void aStopLetsTheCommitInFlightPublishAndRefusesEveryOtherEpoch() {
    CommitDrain drain = new CommitDrain();
    drain.started(1);
    drain.ended(1);
    drain.started(2);

    assertThat(drain.stop()).containsExactly(2L);

    assertThat(drain.refuses(2)).as("in flight at the stop").isFalse();
    assertThat(drain.refuses(3)).as("started after the stop").isTrue();
    drain.started(3);
    assertThat(drain.refuses(3)).as("started after the stop, even while running").isTrue();
  }

  @Test
  void theWaitEndsWhenTheCommitInFlightEndsAndThenRefusesItToo() throws Exception {
    CommitDrain drain = new CommitDrain();
    drain.started(5);
    drain.stop();
    CountDownLatch waiting = new CountDownLatch(1);
    AtomicBoolean ended = new AtomicBoolean();
    Thread writer = new Thread(() -> {
      try {
        waiting.await(10, TimeUnit.SECONDS);
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      ended.set(true);
      drain.ended(5);
    });
    writer.start();
    waiting.countDown();
    assertThat(drain.awaitStopped(Duration.ofSeconds(30)).ended()).isTrue();
    assertThat(ended).as("returned only after the commit ended").isTrue();
    writer.join();
    assertThat(drain.refuses(5)).as("the epoch it waited for, once ended").isTrue();
    assertThat(drain.admit(5)).as("a late commit of it").isFalse();
  }

  @Test
  void aCommitStillUnpublishedWhenTheWaitRunsOutIsRefused() {
    CommitDrain drain = new CommitDrain();
    drain.started(7);
    drain.stop();
    assertThat(drain.awaitStopped(Duration.ofMillis(50))).isEqualTo(new CommitDrain.Drained(false, List.of()));
    assertThat(drain.refuses(7)).as("the commit that outlasted the wait").isTrue();
    assertThat(drain.admit(7)).as("its guard refuses it").isFalse();
  }

  @Test
  void aCommitTheGuardAdmittedIsReportedAsStillPublishingWhenTheWaitRunsOutNotAsDiscarded() {
    CommitDrain drain = new CommitDrain();
    drain.started(8);
    drain.started(9);
    drain.stop();
    assertThat(drain.admit(9)).as("in flight at the stop: its guard lets it publish").isTrue();
    CommitDrain.Drained drained = drain.awaitStopped(Duration.ofMillis(50));
    assertThat(drained.ended()).isFalse();
    assertThat(drained.publishing()).as("8 never reached its guard").containsExactly(9L);
    drain.ended(9);
    drain.ended(8);
    assertThat(drain.stop()).isEmpty();
  }

  @Test
  void aStopWithNothingInFlightDoesNotWait() {
    CommitDrain drain = new CommitDrain();
    assertThat(drain.stop()).isEmpty();
    assertThat(drain.awaitStopped(Duration.ofDays(1)).ended()).isTrue();
  }

  @Test
  void theWriterReportsEachWritesStartAndEndSoAStopWaitsForTheOneRunning() throws Exception {
    CommitDrain drain = new CommitDrain();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (CheckpointWriter writer = new CheckpointWriter(drain)) {
      writer.submit(4, () -> {
        started.countDown();
        release.await(10, TimeUnit.SECONDS);
        return null;
      });
      assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(drain.stop()).containsExactly(4L);
      assertThat(drain.awaitStopped(Duration.ofMillis(50)).ended()).as("the write still runs").isFalse();
      release.countDown();
      writer.await();
    }
    assertThat(drain.stop()).as("nothing in flight after the write ended").isEmpty();
  }
}
