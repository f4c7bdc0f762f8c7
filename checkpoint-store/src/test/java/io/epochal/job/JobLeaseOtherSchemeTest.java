package io.epochal.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.checkpoint.OtherSchemeFileSystem;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FilterFileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lease on a file system that is neither local nor HDFS ({@link OtherSchemeFileSystem}): files
 * are created in place, exclusively, with no rename.
 */
class JobLeaseOtherSchemeTest extends JobLeaseContract {

  @TempDir static java.nio.file.Path tmp;
  private static FileSystem fs;

  @BeforeAll
  static void open() throws IOException {
    fs = OtherSchemeFileSystem.open();
  }

  @AfterAll
  static void close() throws IOException {
    fs.close();
  }

  @Override
  protected FileSystem fs() {
    return fs;
  }

  @Override
  protected Path root() {
    return new Path(OtherSchemeFileSystem.uri(tmp));
  }

  /**
   * {@code plain}, whose rename of {@code jobDir}'s lease.json or of a heartbeat file (a renewal writes
   * that first) first lets {@code contender} acquire the lease (token 2), once, when {@code contend}
   * is set: a contender that claims in between.
   */
  private static FileSystem claimingBeforeLeaseRename(FileSystem plain, Path jobDir, AtomicBoolean contend,
      JobLease contender) {
    return new FilterFileSystem(plain) {
      @Override
      public boolean rename(Path src, Path dst) throws IOException {
        boolean leaseFile = dst.equals(JobPaths.lease(jobDir)) || dst.equals(JobPaths.leaseHeartbeat(jobDir, 1));
        if (leaseFile && contend.getAndSet(false)) {
          contender.acquire(2);
        }
        return super.rename(src, dst);
      }
    };
  }

  @Test
  void aContenderThatClaimsWhileARenewalIsWrittenIsFoundByTheRenewal() throws IOException {
    Path jobDir = new Path(root(), "job-renewal-race");
    MutableClock clock = new MutableClock(Instant.parse("2025-03-01T12:00:00Z"));
    Duration ttl = Duration.ofSeconds(30);
    // without a FileContext, a lease file is replaced by a delete and a rename through this FileSystem: the
    // contender claims in between, after the renewal's fencing check, and the renewal's lease.json overwrites its
    try (FileSystem plain = FileSystem.newInstance(URI.create(OtherSchemeFileSystem.SCHEME + ":///"),
        OtherSchemeFileSystem.registerWithoutFileContext(new Configuration()))) {
      AtomicBoolean contend = new AtomicBoolean();
      JobLease contender = JobLease.builder().setFileSystem(plain).setJobDir(jobDir).optHolder("driver-b")
          .optTtl(ttl).optClock(clock).build();
      FileSystem racing = claimingBeforeLeaseRename(plain, jobDir, contend, contender);
      JobLease a = JobLease.builder().setFileSystem(racing).setJobDir(jobDir).optHolder("driver-a")
          .optTtl(ttl).optClock(clock).build();
      a.acquire(1);
      clock.advance(ttl.plusSeconds(1)); // a's heartbeat is late: its lease has expired
      contend.set(true);

      assertThatThrownBy(a::renew).isInstanceOf(LeaseLostException.class)
          .hasMessageContaining("driver-b").hasMessageContaining("our fencing token is 1");
      assertThat(contend).as("the contender claimed during the renewal").isFalse();
      assertThat(contender.getRecord()).hasValueSatisfying(r -> assertThat(r.getToken()).isEqualTo(2));
      assertThatThrownBy(() -> a.checkStillHolder(1)).isInstanceOf(LeaseLostException.class);
    }
  }

  @Test
  void aDriverThatPausedBetweenItsClaimAndItsLeaseFileFindsTheNewerClaimAndDoesNotHoldTheJob() throws IOException {
    Path jobDir = new Path(root(), "job-acquire-race");
    Duration ttl = Duration.ofSeconds(30);
    MutableClock clockA = new MutableClock(Instant.parse("2025-03-01T12:00:00Z"));
    // driver b starts while a is paused (a long GC) between claiming token 1 and writing lease.json: by b's clock
    // a's claim has expired, so b claims token 2 and writes its lease.json, which a's write then overwrites
    MutableClock clockB = new MutableClock(Instant.parse("2025-03-01T12:00:00Z").plus(ttl).plusSeconds(1));
    try (FileSystem plain = FileSystem.newInstance(URI.create(OtherSchemeFileSystem.SCHEME + ":///"),
        OtherSchemeFileSystem.registerWithoutFileContext(new Configuration()))) {
      AtomicBoolean contend = new AtomicBoolean(true);
      JobLease b = JobLease.builder().setFileSystem(plain).setJobDir(jobDir).optHolder("driver-b")
          .optTtl(ttl).optClock(clockB).build();
      FileSystem racing = claimingBeforeLeaseRename(plain, jobDir, contend, b);
      JobLease a = JobLease.builder().setFileSystem(racing).setJobDir(jobDir).optHolder("driver-a")
          .optTtl(ttl).optClock(clockA).build();

      assertThatThrownBy(() -> a.acquire(1)).isInstanceOf(LeaseHeldException.class).hasMessageContaining("driver-b");
      assertThat(contend).as("b claimed while a wrote").isFalse();
      assertThat(a.getRecord()).isEmpty();
      b.checkStillHolder(2);
      assertThat(b.renew().getToken()).isEqualTo(2);
    }
  }

  @Test
  void aDriverWhoseGivenUpClaimCouldNeitherBeReleasedNorWithdrawnTakesTheJobAgainOthersStillWait() throws IOException {
    Path jobDir = new Path(root(), "job-given-up");
    Duration ttl = Duration.ofMinutes(10);
    // storage refuses every write for a moment (a NameNode entering safe mode): lease.json cannot be
    // replaced (a delete and a rename here) and the claim cannot be deleted
    try (SafeModeFileSystem flaky = SafeModeFileSystem.forJob(jobDir)) {
      FileSystem plain = flaky.plain();
      JobLease driver = JobLease.builder().setFileSystem(flaky).setJobDir(jobDir).optHolder("driver-a").optTtl(ttl)
          .build();
      LeaseRecord first = driver.acquire(1);
      flaky.refuse(true);
      assertThatThrownBy(driver::abandon).hasMessageContaining("safe mode").satisfies(t -> assertThat(t.getSuppressed())
          .as("the release's failure, the withdrawal's with it").singleElement().asString().contains("safe mode"));
      flaky.refuse(false);

      JobLease sameName = JobLease.builder().setFileSystem(plain).setJobDir(jobDir).optHolder("driver-a").optTtl(ttl)
          .build();
      assertThatThrownBy(() -> sameName.acquire(2)).as("another instance, though of the same holder id")
          .isInstanceOf(LeaseHeldException.class);
      LeaseRecord again = driver.acquire(2);
      assertThat(again.getToken()).isEqualTo(first.getToken() + 1);
      assertThat(driver.current()).hasValueSatisfying(r -> assertThat(r.getToken()).isEqualTo(again.getToken()));
    }
  }
}
