package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.job.JobLease;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StallWatchTest {

  private static final Duration SHORT = Duration.ofMillis(50);

  @TempDir
  Path tmp;

  private final List<String> warnings = new CopyOnWriteArrayList<>();
  private final List<String> messages = new CopyOnWriteArrayList<>();
  private final CountDownLatch warned = new CountDownLatch(2);

  private StallWatch watch(Duration period) {
    return new StallWatch(w -> {
      warnings.add(w);
      warned.countDown();
    }, messages::add, period);
  }

  @Test
  void aLongWaitIsNamedEveryPeriodAndItsEndIsSaidOnce() throws Exception {
    StallWatch watch = watch(SHORT);
    try (StallWatch.Wait w = watch.begin("the checkpoint of epoch 3 to be written to /jobs/a")) {
      assertThat(warned.await(10, TimeUnit.SECONDS)).isTrue();
    }
    int said = warnings.size();
    Thread.sleep(5 * SHORT.toMillis());

    assertThat(warnings).hasSize(said).allSatisfy(w -> assertThat(w)
        .matches("still waiting after \\d+ s for the checkpoint of epoch 3 to be written to /jobs/a"));
    assertThat(messages).singleElement().satisfies(m -> assertThat(m)
        .matches("waited \\d+ s for the checkpoint of epoch 3 to be written to /jobs/a; going on"));
  }

  @Test
  void aWaitShorterThanThePeriodSaysNothing() {
    StallWatch watch = watch(Duration.ofMinutes(1));
    try (StallWatch.Wait w = watch.begin("the lease of /jobs/a to be renewed")) {
      // returns at once
    }
    assertThat(warnings).isEmpty();
    assertThat(messages).isEmpty();
  }

  @Test
  void aPeriodThatIsNotPositiveIsRefusedNamingIt() {
    assertThatThrownBy(() -> new StallWatch(w -> { }, m -> { }, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("period must be positive, got PT0S");
  }

  @Test
  void theTrainingThreadWaitingOnACommitThatDoesNotEndSaysWhichEpochAndWhere() throws Exception {
    try (CheckpointWriter writer = new CheckpointWriter(new CommitDrain(), watch(SHORT), "hdfs://nn:8020/jobs/a")) {
      writer.submit(4, () -> {
        warned.await(10, TimeUnit.SECONDS); // a file system that does not answer, until the warnings came
        return null;
      });
      writer.await();
    }
    assertThat(warnings).isNotEmpty().allSatisfy(w -> assertThat(w).startsWith("still waiting after ")
        .contains("for the checkpoint of epoch 4 to be written to hdfs://nn:8020/jobs/a (training waits for it"));
    assertThat(messages).singleElement().satisfies(m -> assertThat(m)
        .contains("for the checkpoint of epoch 4 to be written to hdfs://nn:8020/jobs/a").endsWith("; going on"));
  }

  @Test
  void aRoundWaitingOnALeaseRenewalThatDoesNotEndSaysSo() throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(tmp.resolve("job").toUri());
    Object lock = new Object();
    Duration ttl = Duration.ofSeconds(3); // renewed every second
    LeaseKeeper lease = new LeaseKeeper(JobLease.builder().setFileSystem(fs).setJobDir(dir).optTtl(ttl).build(), dir,
        ttl, lock, watch(SHORT));
    lease.acquire(1);
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread round;
    try {
      synchronized (lock) { // a renewal stuck on the file system holds the lease's lock
        Thread.sleep(1_200); // the heartbeat's renewal is now overdue, so the round renews it itself
        round = new Thread(() -> {
          try {
            lease.check(3, 2);
          } catch (Throwable t) {
            failed.set(t);
          }
        });
        round.start();
        assertThat(warned.await(10, TimeUnit.SECONDS)).isTrue();
      }
      round.join(10_000);
    } finally {
      lease.stopHeartbeat();
      lease.release();
    }
    assertThat(failed.get()).isNull();
    assertThat(warnings).isNotEmpty().allSatisfy(w -> assertThat(w).startsWith("still waiting after ")
        .contains("for the lease of " + dir + " to be renewed before round 2 of epoch 3"));
    assertThat(messages).singleElement().satisfies(m -> assertThat(m).contains("for the lease of " + dir)
        .endsWith("; going on"));
  }
}
