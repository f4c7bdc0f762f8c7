package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.job.JobLease;
import io.epochal.job.LeaseRecord;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A restarted driver waits for a dead driver's lease, and not for a live one's. */
class LeaseExpiryWaitTest {

  @TempDir
  java.nio.file.Path tmp;

  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private Path dir;
  private FileSystem fs;

  @BeforeEach
  void jobDir() throws Exception {
    dir = new Path(tmp.resolve("job").toUri());
    fs = FileSystem.getLocal(new Configuration());
    fs.mkdirs(dir);
  }

  private LeaseExpiryWait waiter(Duration ttl) throws Exception {
    return new LeaseExpiryWait(dir, new Configuration(), ttl, Clock.systemUTC(),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private JobLease holder(String name, Duration ttl) {
    return JobLease.builder().setFileSystem(fs).setJobDir(dir).optHolder(name).optTtl(ttl).build();
  }

  @Test
  void aLeaseNothingRenewsIsWaitedForUntilItExpiresAndThenTakenOver() throws Exception {
    LeaseRecord dead = holder("killed-driver", Duration.ofSeconds(2)).acquire(1);
    assertThat(waiter(Duration.ofMinutes(1)).await(dead)).isTrue();
    assertThat(Instant.now()).isAfter(dead.getExpiresAt());
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("waiting up to", "for the lease of killed-driver to "
        + "expire at " + dead.getExpiresAt(), "Ctrl-C stops waiting");
    assertThat(holder("next-driver", Duration.ofMinutes(1)).acquire(2).getToken()).isEqualTo(2);
  }

  @Test
  void aLeaseItsHolderRenewsEndsTheWaitAsHeld() throws Exception {
    JobLease live = holder("running-driver", Duration.ofSeconds(20));
    LeaseRecord blocking = live.acquire(1);
    Thread renewer = new Thread(() -> {
      try {
        Thread.sleep(1_000);
        live.renew();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    renewer.start();
    long t0 = System.nanoTime();
    LeaseExpiryWait wait = waiter(Duration.ofMinutes(1));
    assertThat(wait.await(blocking)).isFalse();
    renewer.join();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
    // what the refusal then names: the lease as renewed, not as it was before the wait
    assertThat(wait.renewed()).hasValueSatisfying(r -> assertThat(r.getHeartbeatAt())
        .isAfter(blocking.getHeartbeatAt()));
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("running-driver renewed the lease at",
        "that driver is running the job");
  }

  @Test
  void anEmptyClaimLeftByAKilledDriverIsWaitedForUntilTheJobsOwnTtlAfterItWasWrittenNotAShorterOne()
      throws Exception {
    // a driver killed between creating its claim and writing it, 9 min 55 s ago, in a job of a 10-minute ttl
    java.nio.file.Path claim = tmp.resolve("job").resolve("lease").resolve("token-000000000001");
    java.nio.file.Files.createDirectories(claim.getParent());
    java.nio.file.Files.createFile(claim);
    Duration ttl = Duration.ofMinutes(10);
    java.nio.file.Files.setLastModifiedTime(claim, java.nio.file.attribute.FileTime.from(Instant.now()
        .minus(ttl).plusSeconds(5)));
    LeaseRecord blocking = org.assertj.core.api.Assertions.catchThrowableOfType(io.epochal.job.LeaseHeldException.class,
        () -> holder("restarted-driver", ttl).acquire(2)).getCurrent();

    assertThat(waiter(ttl).await(blocking)).isTrue();

    assertThat(Instant.now()).as("not ended before the claim expired").isAfter(blocking.getExpiresAt());
    assertThat(holder("restarted-driver", ttl).acquire(2).getToken()).isEqualTo(2);
  }

  @Test
  void aLeaseExpiringLaterThanTheJobsOwnTtlIsNotWaitedFor() throws Exception {
    LeaseRecord longer = holder("other-driver", Duration.ofHours(1)).acquire(1);
    assertThat(waiter(Duration.ofMinutes(1)).await(longer)).isFalse();
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
  }
}
