package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.checkpoint.OtherSchemeFileSystem;
import io.epochal.job.JobLease;
import io.epochal.job.LeaseRecord;
import io.epochal.job.SafeModeFileSystem;
import java.io.IOException;
import java.time.Duration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver's hold on a job's lease: {@link LeaseKeeper} over a {@link JobLease}. */
class LeaseKeeperTest {

  @TempDir
  java.nio.file.Path tmp;

  @Test
  void aStartWhoseLeaseCouldNotBeGivenUpTakesItAgainWhenItIsRetried() throws IOException {
    Path dir = new Path(OtherSchemeFileSystem.uri(tmp.resolve("job")));
    // storage refuses every write for a moment (a NameNode entering safe mode): lease.json cannot be
    // replaced and the claim cannot be withdrawn
    try (SafeModeFileSystem flaky = SafeModeFileSystem.forJob(dir)) {
      LeaseKeeper keeper = new LeaseKeeper(JobLease.builder().setFileSystem(flaky).setJobDir(dir)
          .optHolder("driver-a").optTtl(Duration.ofMinutes(10)).build(), dir, Duration.ofMinutes(10), new Object());
      LeaseRecord first = keeper.acquire(1);
      flaky.refuse(true); // the start's next write fails, and so does giving the lease up
      assertThatThrownBy(keeper::abandon).hasMessageContaining("safe mode");
      flaky.refuse(false);

      LeaseRecord again = keeper.acquire(1); // the start's retry, once storage answers
      assertThat(again.getToken()).isEqualTo(first.getToken() + 1);
      assertThat(keeper.stillHolder()).isTrue();
      keeper.stopHeartbeat();
      keeper.release();
      assertThat(keeper.current()).hasValueSatisfying(r -> assertThat(r.isReleased()).isTrue());
    }
  }

  @Test
  void anErrorThrownByOneRenewalDoesNotEndTheHeartbeat() throws Exception {
    Path dir = new Path(OtherSchemeFileSystem.uri(tmp.resolve("job")));
    Duration ttl = Duration.ofMillis(900); // renewed every 300 ms
    java.util.concurrent.CountDownLatch thrown = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
    try (FileSystem fs = new org.apache.hadoop.fs.FilterFileSystem(FileSystem.newInstance(java.net.URI.create(
        OtherSchemeFileSystem.SCHEME + ":///"), OtherSchemeFileSystem.registerWithoutFileContext(
        new org.apache.hadoop.conf.Configuration()))) {
      @Override
      public boolean rename(Path src, Path dst) throws IOException {
        if (armed.compareAndSet(true, false)) {
          thrown.countDown();
          throw new OutOfMemoryError("Java heap space"); // a renewal on a heap near its limit
        }
        return super.rename(src, dst);
      }
    }) {
      LeaseKeeper keeper = new LeaseKeeper(JobLease.builder().setFileSystem(fs).setJobDir(dir)
          .optHolder("driver-a").optTtl(ttl).build(), dir, ttl, new Object());
      keeper.acquire(1);
      armed.set(true);
      assertThat(thrown.await(10, java.util.concurrent.TimeUnit.SECONDS)).as("a renewal ran").isTrue();
      java.time.Instant after = java.time.Instant.now();
      Thread.sleep(1_000); // three more beats
      assertThat(keeper.current()).hasValueSatisfying(r -> assertThat(r.getHeartbeatAt())
          .as("renewed by the heartbeat after the error").isAfter(after));
      keeper.stopHeartbeat();
      keeper.release();
    }
  }

  @Test
  void aRenewalThatTookLongCountsTheLeaseFromItsStartSoThatAFailedRenewalAfterItFailsTheRound() throws Exception {
    Path dir = new Path(OtherSchemeFileSystem.uri(tmp.resolve("job")));
    Duration ttl = Duration.ofSeconds(3); // renewed every 1 s
    java.util.concurrent.atomic.AtomicBoolean slow = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicBoolean failing = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicReference<Thread> answered = new java.util.concurrent.atomic.AtomicReference<>(
        Thread.currentThread());
    try (FileSystem fs = new org.apache.hadoop.fs.FilterFileSystem(FileSystem.newInstance(java.net.URI.create(
        OtherSchemeFileSystem.SCHEME + ":///"), OtherSchemeFileSystem.registerWithoutFileContext(
        new org.apache.hadoop.conf.Configuration()))) {
      @Override
      public boolean rename(Path src, Path dst) throws IOException {
        // from the slow renewal on, the NameNode answers only that renewal (the test's), then no one
        if (failing.get() && Thread.currentThread() != answered.get()) {
          throw new java.net.ConnectException("NameNode does not answer");
        }
        if (slow.compareAndSet(true, false)) {
          failing.set(true); // the heartbeat's renewals fail from here
          try {
            Thread.sleep(2_500); // an overloaded NameNode: the renewal's write takes most of the ttl
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return super.rename(src, dst);
      }
    }) {
      LeaseKeeper keeper = new LeaseKeeper(JobLease.builder().setFileSystem(fs).setJobDir(dir)
          .optHolder("driver-a").optTtl(ttl).build(), dir, ttl, new Object());
      keeper.acquire(1);
      slow.set(true);
      java.time.Instant before = java.time.Instant.now();
      keeper.renew(); // the lease now expires 3 s after the renewal began, 0.5 s after it ended
      assertThat(keeper.current()).hasValueSatisfying(r -> assertThat(r.getExpiresAt())
          .isBefore(before.plus(ttl).plusMillis(500)));
      Thread.sleep(1_100);
      answered.set(null); // from here the NameNode answers no renewal at all

      assertThatThrownBy(() -> keeper.check(1, 2)).as("the lease expired; no 'live for ms more'")
          .isInstanceOfSatisfying(TrainingException.class,
              e -> assertThat(e.reason()).isEqualTo(FailureReason.STORAGE_UNAVAILABLE))
          .hasMessageContaining("cannot renew the lease");
      failing.set(false);
      keeper.stopHeartbeat();
      keeper.release();
    }
  }

  @Test
  void aRenewalThatFailsBeforeARoundFailsItOnlyOnceTheLeaseCouldExpireBeforeTheNextCheck() throws Exception {
    Path dir = new Path(OtherSchemeFileSystem.uri(tmp.resolve("job")));
    Duration ttl = Duration.ofSeconds(9); // renewed every 3 s
    try (SafeModeFileSystem flaky = SafeModeFileSystem.forJob(dir)) {
      LeaseKeeper keeper = new LeaseKeeper(JobLease.builder().setFileSystem(flaky).setJobDir(dir)
          .optHolder("driver-a").optTtl(ttl).build(), dir, ttl, new Object());
      keeper.acquire(1);
      long renewed = System.nanoTime();
      flaky.refuse(true); // the store stops answering writes: every renewal fails from here
      Thread.sleep(3_300);
      keeper.check(1, 2); // renewed 3.3 s ago, live 5.7 s more: longer than the renewal period
      while (System.nanoTime() - renewed < Duration.ofMillis(6_300).toNanos()) {
        Thread.sleep(50);
      }
      assertThatThrownBy(() -> keeper.check(1, 3)).isInstanceOfSatisfying(TrainingException.class,
          e -> assertThat(e.reason()).isEqualTo(FailureReason.STORAGE_UNAVAILABLE))
          .hasMessageContaining("cannot renew the lease");
      flaky.refuse(false);
      keeper.stopHeartbeat();
      keeper.release();
    }
  }
}
