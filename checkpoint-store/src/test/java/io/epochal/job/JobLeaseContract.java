package io.epochal.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The lease and fencing protocol, run against every file system subclass. */
abstract class JobLeaseContract {

  private static final Duration TTL = Duration.ofSeconds(30);

  protected abstract FileSystem fs() throws IOException;

  protected abstract Path root() throws IOException;

  private Path jobDir;
  private MutableClock clock;

  @BeforeEach
  void newJob() throws IOException {
    jobDir = new Path(root(), "job-" + UUID.randomUUID());
    clock = new MutableClock(Instant.parse("2025-03-01T12:00:00Z"));
  }

  private JobLease lease(String holder) throws IOException {
    return JobLease.builder().setFileSystem(fs()).setJobDir(jobDir).optHolder(holder)
        .optTtl(TTL).optClock(clock).build();
  }

  @Test
  void secondAcquireIsRefusedNamingHolderAndExpiry() throws IOException {
    LeaseRecord a = lease("driver-a").acquire(1);
    assertThat(a.getToken()).isEqualTo(1);
    assertThat(a.getExpiresAt()).isEqualTo(Instant.parse("2025-03-01T12:00:30Z"));
    JobLease b = lease("driver-b");
    assertThatThrownBy(() -> b.acquire(2))
        .isInstanceOf(LeaseHeldException.class)
        .hasMessageContaining("driver-a")
        .hasMessageContaining("expires at 2025-03-01T12:00:30Z")
        .hasMessageContaining(jobDir.toString());
    assertThat(b.getRecord()).isEmpty();
    assertThat(lease("observer").current()).contains(a);
  }

  @Test
  void renewMovesHeartbeatAndExpiryAndKeepsToken() throws IOException {
    JobLease a = lease("driver-a");
    a.acquire(1);
    clock.advance(Duration.ofSeconds(20));
    LeaseRecord renewed = a.renew();
    assertThat(renewed.getToken()).isEqualTo(1);
    assertThat(renewed.getHeartbeatAt()).isEqualTo(Instant.parse("2025-03-01T12:00:20Z"));
    assertThat(renewed.getExpiresAt()).isEqualTo(Instant.parse("2025-03-01T12:00:50Z"));
    assertThat(lease("observer").current()).contains(renewed);
    // 40 s after acquiring, past the first expiry but within the renewed one: still held
    clock.advance(Duration.ofSeconds(20));
    assertThatThrownBy(() -> lease("driver-b").acquire(2)).isInstanceOf(LeaseHeldException.class)
        .hasMessageContaining("12:00:50Z");
    a.checkStillHolder(1);
  }

  @Test
  void aReleasedLeaseIsFreeToADriverWhoseClockIsBehindTheReleasingOne() throws IOException {
    JobLease a = lease("driver-a");
    a.acquire(1);
    clock.advance(Duration.ofSeconds(10));
    a.release(); // released at 12:00:10 by a's clock
    MutableClock behind = new MutableClock(Instant.parse("2025-03-01T12:00:05Z"));
    JobLease b = JobLease.builder().setFileSystem(fs()).setJobDir(jobDir).optHolder("driver-b").optTtl(TTL)
        .optClock(behind).build();
    LeaseRecord taken = b.acquire(2);
    assertThat(taken.getToken()).isEqualTo(2);
    assertThat(taken.getHolder()).isEqualTo("driver-b");
  }

  @Test
  void releasedLeaseIsAcquiredAtOnceWithTheNextToken() throws IOException {
    JobLease a = lease("driver-a");
    a.acquire(1);
    a.release();
    assertThat(a.getRecord()).isEmpty();
    LeaseRecord b = lease("driver-b").acquire(2);
    assertThat(b.getToken()).isEqualTo(2);
    assertThat(b.getHolder()).isEqualTo("driver-b");
    assertThatThrownBy(() -> a.checkStillHolder(1)).isInstanceOf(LeaseLostException.class);
  }

  @Test
  void expiredLeaseIsTakenOverAndOldHolderIsFenced() throws IOException {
    JobLease a = lease("driver-a");
    a.acquire(1);
    clock.advance(TTL.plusSeconds(1));
    // expired, nobody took it yet: not said to be lost
    assertThatThrownBy(() -> a.checkStillHolder(1)).isInstanceOf(LeaseLostException.class)
        .hasMessageStartingWith("could not confirm the lease on job ").hasMessageContaining("our lease expired at");
    JobLease b = lease("driver-b");
    LeaseRecord taken = b.acquire(2);
    assertThat(taken.getToken()).isEqualTo(2);
    assertThat(taken.getAttempt()).isEqualTo(2);

    assertThatThrownBy(a::renew).isInstanceOf(LeaseLostException.class)
        .hasMessageContaining("driver-b").hasMessageContaining("our fencing token is 1")
        .hasMessageContaining(jobDir.toString());
    assertThatThrownBy(() -> a.checkStillHolder(1)).isInstanceOf(LeaseLostException.class)
        .hasMessageStartingWith("lost the lease on job ")
        .satisfies(e -> assertThat(((LeaseLostException) e).getNewer().getHolder()).isEqualTo("driver-b"));
    assertThatThrownBy(() -> b.checkFencing(1)).isInstanceOf(LeaseLostException.class);
    b.checkStillHolder(2);
    b.checkFencing(2);
    assertThat(lease("observer").current()).contains(taken);
  }

  @Test
  void aSupersededDriversReleaseLeavesTheNewHoldersRenewedLeaseInPlace() throws IOException {
    Duration ttl = Duration.ofSeconds(60);
    JobLease a = JobLease.builder().setFileSystem(fs()).setJobDir(jobDir).optHolder("driver-a")
        .optTtl(ttl).optClock(clock).build();
    JobLease b = JobLease.builder().setFileSystem(fs()).setJobDir(jobDir).optHolder("driver-b")
        .optTtl(ttl).optClock(clock).build();
    a.acquire(1);
    clock.advance(Duration.ofSeconds(120));
    b.acquire(2); // a's lease expired: b takes over with token 2, its claim expiring at 12:03:00Z
    clock.advance(Duration.ofSeconds(50));
    LeaseRecord renewed = b.renew(); // at 12:02:50, to 12:03:50Z, recorded in lease.json only
    clock.advance(Duration.ofSeconds(30));
    a.release(); // a does not know it was superseded: its release must not overwrite b's lease.json

    JobLease c = JobLease.builder().setFileSystem(fs()).setJobDir(jobDir).optHolder("driver-c")
        .optTtl(ttl).optClock(clock).build();
    assertThatThrownBy(() -> c.acquire(3)).isInstanceOf(LeaseHeldException.class)
        .hasMessageContaining("driver-b").hasMessageContaining("expires at 2025-03-01T12:03:50Z");
    assertThat(lease("observer").current()).contains(renewed);
    b.checkStillHolder(2);
  }

  @Test
  void aLeaseFileOfAnOlderTokenIsIgnoredForTheClaimOfTheHighestToken() throws IOException {
    JobLease a = lease("driver-a");
    a.acquire(1);
    a.release(); // lease.json: a's released record, token 1
    // driver-b's claim of token 2 is published; lease.json is not rewritten yet (b is between the two)
    LeaseRecord claim = LeaseRecord.of("driver-b", 2, 2, clock.instant(), clock.instant(), clock.instant().plus(TTL));
    try (var out = fs().create(JobPaths.leaseToken(jobDir, 2), false)) {
      out.write(JobSpecStore.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(claim.toJson()));
    }
    clock.advance(TTL.minusSeconds(10));

    assertThatThrownBy(() -> lease("driver-c").acquire(3)).isInstanceOf(LeaseHeldException.class)
        .hasMessageContaining("driver-b").hasMessageContaining("expires at 2025-03-01T12:00:30Z");
    lease("driver-b").checkStillHolder(2);
    assertThat(lease("observer").current()).contains(claim);
  }

  @Test
  void aSupersededDriversLateWriteOfLeaseJsonNeitherExpiresTheNewHoldersLeaseNorLetsAThirdDriverIn()
      throws IOException {
    JobLease a = lease("driver-a");
    LeaseRecord stale = a.acquire(1);
    clock.advance(TTL.plusSeconds(1));
    JobLease b = lease("driver-b");
    b.acquire(2); // at 12:00:31, its claim expiring at 12:01:01
    clock.advance(Duration.ofSeconds(20));
    LeaseRecord renewed = b.renew(); // at 12:00:51, to 12:01:21
    // driver-a checked its token before the takeover and was paused (GC, a partition) before its write landed
    new JobFs(fs()).replace(JobPaths.lease(jobDir), LeaseFiles.bytes(stale.renewedAt(clock.instant(), TTL)));
    clock.advance(Duration.ofSeconds(15)); // 12:01:06: past b's claim, within its renewal

    b.checkStillHolder(2);
    assertThatThrownBy(() -> lease("driver-c").acquire(3)).isInstanceOf(LeaseHeldException.class)
        .hasMessageContaining("driver-b").hasMessageContaining("expires at 2025-03-01T12:01:21Z");
    assertThat(lease("observer").current()).contains(renewed);
    b.release();
    assertThat(lease("driver-c").acquire(3).getToken()).as("released, whatever lease.json says").isEqualTo(3);
  }

  @Test
  void aDamagedClaimNeitherStopsTheHoldersCommitsNorBlocksTheJobOnceItsHolderIsGone() throws IOException {
    JobLease a = lease("driver-a");
    a.acquire(1);
    clock.advance(Duration.ofSeconds(10));
    LeaseRecord renewed = a.renew();
    Path claim = JobPaths.leaseToken(jobDir, 1);
    fs().delete(claim, false);
    try (var out = fs().create(claim, false)) {
      out.write("{\"lease\": garbage".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    fs().setTimes(claim, clock.instant().toEpochMilli(), -1);

    a.checkStillHolder(1);
    assertThat(lease("observer").current()).contains(renewed);
    assertThatThrownBy(() -> lease("driver-b").acquire(2)).isInstanceOf(LeaseHeldException.class)
        .hasMessageContaining("driver-a");
    clock.advance(TTL);
    assertThat(lease("driver-b").acquire(2).getToken()).isEqualTo(2);
  }

  @Test
  void ownExpiredLeaseFailsCommitCheckUntilRenewed() throws IOException {
    JobLease a = lease("driver-a");
    a.acquire(1);
    clock.advance(TTL);
    assertThatThrownBy(() -> a.checkStillHolder(1)).isInstanceOf(LeaseLostException.class)
        .hasMessageContaining("expired").hasMessageContaining("it was not renewed in time").hasMessageContaining("published only under a live lease");
    a.renew();
    a.checkStillHolder(1);
  }

  @Test
  void tokenNeverClaimedIsRefused() throws IOException {
    JobLease a = lease("driver-a");
    a.acquire(1);
    assertThatThrownBy(() -> a.checkFencing(5)).isInstanceOf(LeaseLostException.class)
        .hasMessageContaining("never claimed");
  }

  @Test
  void concurrentAcquireHasExactlyOneWinnerPerToken() throws Exception {
    int threads = 4;
    int rounds = 6;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < rounds; round++) {
        CountDownLatch go = new CountDownLatch(1);
        List<Future<JobLease>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          JobLease contender = lease("round-" + round + "-thread-" + t);
          int attempt = round;
          Callable<JobLease> acquire = () -> {
            go.await();
            try {
              contender.acquire(attempt);
              return contender;
            } catch (LeaseHeldException refused) {
              return null;
            }
          };
          futures.add(pool.submit(acquire));
        }
        go.countDown();
        List<JobLease> winners = new ArrayList<>();
        for (Future<JobLease> f : futures) {
          JobLease w = f.get(60, TimeUnit.SECONDS);
          if (w != null) {
            winners.add(w);
          }
        }
        assertThat(winners).as("winners of round %s", round).hasSize(1);
        JobLease winner = winners.get(0);
        long token = winner.getRecord().get().getToken();
        assertThat(token).isEqualTo(round + 1);
        assertThat(lease("observer").current().get().getHolder()).isEqualTo(winner.getHolder());
        winner.checkStillHolder(token);
        winner.release();
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
    }
  }

  @Test
  void anEmptyClaimLeftByAKilledDriverExpiresATtlAfterItsFileWasWritten() throws IOException {
    lease("driver-a").acquire(1);
    // a driver that died between creating its claim and writing it (as claims were once written)
    Path claim = JobPaths.leaseToken(jobDir, 2);
    fs().create(claim, false).close();
    fs().setTimes(claim, clock.instant().toEpochMilli(), -1);
    JobLease c = lease("driver-c");
    assertThatThrownBy(() -> c.acquire(3)).isInstanceOf(LeaseHeldException.class)
        .hasMessageContaining("expires at 2025-03-01T12:00:30Z");
    clock.advance(Duration.ofDays(7));
    assertThat(c.acquire(3).getToken()).isEqualTo(3);
  }

  @Test
  void takingTheLeaseRemovesTemporaryFilesAKilledDriverLeftButNotFreshOnes() throws IOException {
    lease("driver-a").acquire(1);
    // a driver killed between writing a temporary file and renaming it (a claim, lease.json)
    Path oldClaim = new Path(JobPaths.leaseTokens(jobDir), "_tmp-token-000000000002-" + UUID.randomUUID());
    Path oldLease = new Path(jobDir, "_tmp-lease.json-" + UUID.randomUUID());
    Path fresh = new Path(JobPaths.leaseTokens(jobDir), "_tmp-token-000000000002-" + UUID.randomUUID());
    for (Path p : List.of(oldClaim, oldLease, fresh)) {
      try (var out = fs().create(p, false)) {
        out.write('{');
      }
    }
    clock.advance(Duration.ofDays(7));
    fs().setTimes(oldClaim, clock.instant().minus(TTL.multipliedBy(2)).toEpochMilli(), -1);
    fs().setTimes(oldLease, clock.instant().minus(TTL.multipliedBy(2)).toEpochMilli(), -1);
    fs().setTimes(fresh, clock.instant().minusSeconds(1).toEpochMilli(), -1);

    assertThat(lease("driver-b").acquire(2).getToken()).isEqualTo(2);
    assertThat(fs().exists(oldClaim)).as("a claim's temporary file older than a ttl").isFalse();
    assertThat(fs().exists(oldLease)).as("lease.json's temporary file older than a ttl").isFalse();
    assertThat(fs().exists(fresh)).as("a temporary file another writer may still rename").isTrue();
    assertThat(fs().exists(JobPaths.leaseToken(jobDir, 1))).isTrue();
  }

  @Test
  void claimsArePublishedWholeAndLeaveNoTempFiles() throws IOException {
    JobLease a = lease("driver-a");
    a.acquire(1);
    a.release();
    JobLease b = lease("driver-b");
    b.acquire(2);
    // the released heartbeat of the token before the newest is kept: the lease again if token 2 is withdrawn
    assertThat(leaseFiles()).containsExactlyInAnyOrder("token-000000000001", "token-000000000002",
        "heartbeat-000000000001");
    b.release();
    lease("driver-c").acquire(3);
    assertThat(leaseFiles()).containsExactlyInAnyOrder("token-000000000001", "token-000000000002",
        "token-000000000003", "heartbeat-000000000002");
  }

  private List<String> leaseFiles() throws IOException {
    List<String> names = new ArrayList<>();
    for (org.apache.hadoop.fs.FileStatus s : fs().listStatus(JobPaths.leaseTokens(jobDir))) {
      names.add(s.getPath().getName());
      assertThat(s.getLen()).as(s.getPath().getName()).isPositive();
    }
    return names;
  }

  @Test
  void leaseRecordRoundTripsThroughJson() {
    LeaseRecord r = LeaseRecord.of("host:1:abc", 3, 42, Instant.parse("2025-03-01T12:00:00Z"),
        Instant.parse("2025-03-01T12:00:10Z"), Instant.parse("2025-03-01T12:00:40Z"));
    assertThat(LeaseRecord.fromJson(r.toJson())).isEqualTo(r).hasSameHashCodeAs(r);
    assertThat(r.toString()).contains("host:1:abc").contains("token=42");
    assertThat(LeaseRecord.defaultHolderId()).matches("[^:]+:\\d+:[0-9a-f-]{36}");
  }
}
