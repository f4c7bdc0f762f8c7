package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A retry waits for the job's storage to take writes, says so, and counts none of it as an attempt. */
class StorageWaitTest {

  private final AtomicLong now = new AtomicLong(1_000_000);
  private final List<Long> sleeps = new ArrayList<>();
  private final RecordingListener listener = new RecordingListener();
  private final List<String> warnings = listener.warnings;
  private final List<String> messages = listener.messages;

  private static TrainingException away() {
    return new TrainingException(FailureReason.STORAGE_UNAVAILABLE, 0, 0, "cannot renew the lease in "
        + "hdfs://nn:8020/jobs/a: Call From host to nn:8020 failed on connection exception: Connection refused\n"
        + "second line", null);
  }

  private StorageWait waitFor(StorageWait.Probe probe, long patienceMs) {
    return new StorageWait(probe, StorageWait.Purpose.RETRY, "hdfs://nn:8020/jobs/a", patienceMs, listener, () -> false, now::get, ms -> {
      sleeps.add(ms);
      now.addAndGet(ms);
    });
  }

  @Test
  void aRetryWaitsUntilTheStorageTakesWritesAgainAndSaysSo() throws Exception {
    AtomicInteger probes = new AtomicInteger();
    waitFor(() -> {
      if (probes.incrementAndGet() <= 10) {
        throw away();
      }
    }, 300_000).await();

    assertThat(probes).hasValue(11);
    assertThat(sleeps).hasSize(10).containsOnly(StorageWait.POLL_MS);
    assertThat(warnings).as("at once, then every 15 s of the 20 s").hasSize(2);
    assertThat(warnings.get(0)).isEqualTo("waiting for hdfs://nn:8020/jobs/a to take writes again (cannot renew the "
        + "lease in hdfs://nn:8020/jobs/a: Call From host to nn:8020 failed on connection exception: Connection "
        + "refused): 0 s of up to 300 s (retry.storage_wait_ms); the wait is not an attempt");
    assertThat(warnings.get(1)).contains("16 s of up to 300 s");
    assertThat(messages).containsExactly("hdfs://nn:8020/jobs/a takes writes again after 20 s; retrying");
  }

  @Test
  void storageStillAwayAfterThePatienceFailsTheRetryWithTheStorageFailure() {
    AtomicInteger probes = new AtomicInteger();
    assertThatThrownBy(() -> waitFor(() -> {
      probes.incrementAndGet();
      throw away();
    }, 5_000).await()).isInstanceOfSatisfying(TrainingException.class,
        e -> assertThat(e.reason()).isEqualTo(FailureReason.STORAGE_UNAVAILABLE))
        .hasMessageContaining("Connection refused").hasMessageContaining("hdfs://nn:8020/jobs/a took no writes for 5 s "
            + "(retry.storage_wait_ms = 5000): once its file system answers, the run tries again while "
            + "retry.max_attempts allow").hasMessageContaining("; once they are spent, resume the job");
    assertThat(sleeps).containsExactly(2_000L, 2_000L, 1_000L);
    assertThat(probes).hasValue(4);
    assertThat(messages).isEmpty();
  }

  @Test
  void aLeaseAnotherDriverTookAndNoPatienceAreNotWaitedFor() {
    assertThatThrownBy(() -> waitFor(() -> {
      throw new TrainingException(FailureReason.LEASE_LOST, 0, 0, "lease taken over by node7:42", null);
    }, 300_000).await()).hasMessageContaining("taken over");
    assertThatThrownBy(() -> waitFor(() -> {
      throw away();
    }, 0).await()).hasMessageContaining("Connection refused");
    assertThat(sleeps).isEmpty();
    assertThat(warnings).isEmpty();
  }

  @Test
  void aStorageThatAnswersAtOnceCostsOneProbeAndNoWord() throws Exception {
    AtomicInteger probes = new AtomicInteger();
    waitFor(probes::incrementAndGet, 300_000).await();
    assertThat(probes).hasValue(1);
    assertThat(sleeps).isEmpty();
    assertThat(warnings).isEmpty();
    assertThat(messages).isEmpty();
  }

  @Test
  void aWaitForStorageThatIsInterruptedStopsTheJobAsInterruptedNotAsARetryableStorageFailure() {
    StorageWait wait = new StorageWait(() -> {
      throw away();
    }, StorageWait.Purpose.RETRY, "hdfs://nn:8020/jobs/a", 300_000, listener, () -> false, now::get, ms -> {
      throw new InterruptedException();
    });
    try {
      assertThatThrownBy(wait::await).isInstanceOfSatisfying(TrainingException.class,
          e -> assertThat(e.reason()).isEqualTo(FailureReason.INTERRUPTED))
          .hasMessageContaining("interrupted while it waited for hdfs://nn:8020/jobs/a to take writes again");
      assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept for the caller").isTrue();
    } finally {
      Thread.interrupted();
    }
  }
}
