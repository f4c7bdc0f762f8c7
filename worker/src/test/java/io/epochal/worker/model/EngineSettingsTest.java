package io.epochal.worker.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EngineSettingsTest {

  private final ExecutorService threads = Executors.newCachedThreadPool();

  @BeforeEach
  void startTheEngineOnThisThread() {
    // DJL turns autograd off on the thread that starts PyTorch, not on others: a test that starts it
    // on a pool thread would leave it on for this one and every later test of this JVM
    EngineSettings.configureThreads(1);
  }

  @AfterEach
  void restoreOneThread() throws InterruptedException {
    threads.shutdownNow();
    assertThat(threads.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    EngineSettings.configureThreads(1); // the count every other test of this JVM trains with
  }

  private static void await(CountDownLatch latch) {
    try {
      assertThat(latch.await(30, TimeUnit.SECONDS)).as("latch released").isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  @Test
  void aProbeAtAnotherThreadCountWaitsForTheRunningRoundAndTheNextRoundWaitsForIt() throws Exception {
    CountDownLatch roundIn = new CountDownLatch(1);
    CountDownLatch roundMayEnd = new CountDownLatch(1);
    Future<Integer> round = threads.submit(() -> EngineSettings.atThreads(2, () -> {
      roundIn.countDown();
      await(roundMayEnd);
      return EngineSettings.intraOpThreads(); // the count the round computed with, at its end
    }));
    await(roundIn);

    CountDownLatch probeIn = new CountDownLatch(1);
    CountDownLatch probeMayEnd = new CountDownLatch(1);
    Future<Integer> probe = threads.submit(() -> EngineSettings.withThreads(1, () -> {
      probeIn.countDown();
      await(probeMayEnd);
      return EngineSettings.intraOpThreads();
    }));
    assertThat(probeIn.await(500, TimeUnit.MILLISECONDS)).as("the probe waits for the running round").isFalse();
    roundMayEnd.countDown();
    assertThat(round.get(30, TimeUnit.SECONDS)).as("the round's count was not changed under it").isEqualTo(2);
    await(probeIn);

    CountDownLatch nextIn = new CountDownLatch(1);
    Future<Integer> next = threads.submit(() -> EngineSettings.atThreads(2, () -> {
      nextIn.countDown();
      return EngineSettings.intraOpThreads();
    }));
    assertThat(nextIn.await(500, TimeUnit.MILLISECONDS)).as("the next round waits for the probe").isFalse();
    probeMayEnd.countDown();
    assertThat(probe.get(30, TimeUnit.SECONDS)).as("the probe computed with one thread").isEqualTo(1);
    assertThat(next.get(30, TimeUnit.SECONDS)).as("and the count was 2 again for the next round").isEqualTo(2);
  }

  @Test
  void roundsAtTheJobsCountRunTogetherAndAProbeAtThatCountWaitsForNone() throws Exception {
    CountDownLatch bothIn = new CountDownLatch(2);
    CountDownLatch mayEnd = new CountDownLatch(1);
    Future<?> a = threads.submit(() -> EngineSettings.atThreads(1, () -> {
      bothIn.countDown();
      await(mayEnd);
      return null;
    }));
    Future<?> b = threads.submit(() -> EngineSettings.atThreads(1, () -> {
      bothIn.countDown();
      await(mayEnd);
      return null;
    }));
    await(bothIn);

    Future<Integer> probe = threads.submit(() -> EngineSettings.withThreads(1, EngineSettings::intraOpThreads));
    assertThat(probe.get(30, TimeUnit.SECONDS)).as("no count to change: it ran while both rounds did").isEqualTo(1);
    mayEnd.countDown();
    a.get(30, TimeUnit.SECONDS);
    b.get(30, TimeUnit.SECONDS);
  }

  @Test
  void aCountChangeInsideARoundOfTheSameThreadIsRefusedInsteadOfWaitingForItself() {
    assertThatThrownBy(() -> EngineSettings.atThreads(2, () -> EngineSettings.withThreads(1, () -> 0)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("inside a computation at 2");
  }
}
