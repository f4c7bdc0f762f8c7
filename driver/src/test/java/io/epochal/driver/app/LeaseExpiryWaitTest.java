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

  private LeaseExpiryWait waiter() throws Exception {
    return new LeaseExpiryWait(dir, new Configuration(), Clock.systemUTC(),
        new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private JobLease holder(String name, Duration ttl) {
    return JobLease.builder().setFileSystem(fs).setJobDir(dir).optHolder(name).optTtl(ttl).build();
  }

  @Test
  void aLeaseNothingRenewsIsWaitedForUntilItExpiresAndThenTakenOver() throws Exception {
    LeaseRecord dead = holder("killed-driver", Duration.ofSeconds(2)).acquire(1);
    assertThat(waiter().await(dead, Duration.ofMinutes(1))).isTrue();
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
    LeaseExpiryWait wait = waiter();
    assertThat(wait.await(blocking, Duration.ofMinutes(1))).isFalse();
    renewer.join();
    assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
    // what the refusal then names: the lease as renewed, not as it was before the wait
    assertThat(wait.renewed()).hasValueSatisfying(r -> assertThat(r.getHeartbeatAt())
        .isAfter(blocking.getHeartbeatAt()));
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("running-driver renewed the lease at",
        "that driver is running the job");
  }

  @Test
  void aLeaseExpiringLaterThanTheJobsOwnTtlIsNotWaitedFor() throws Exception {
    LeaseRecord longer = holder("other-driver", Duration.ofHours(1)).acquire(1);
    assertThat(waiter().await(longer, Duration.ofMinutes(1))).isFalse();
    assertThat(err.toString(StandardCharsets.UTF_8)).isEmpty();
  }
}
