package io.epochal.driver.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.chaos.ChaosJob;
import io.epochal.driver.chaos.ChildDriver;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventType;
import io.epochal.job.LeaseRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A driver process frozen with SIGSTOP past its lease while another driver takes the job over:
 * continued with SIGCONT it must not commit (its overdue lease check finds the takeover before its
 * next round; {@code JobDirectoryTest} proves the commit guard that refuses a publish with a stale
 * token) and exits with LEASE_LOST (exit code 3); the new driver completes the job.
 */
class PausedDriverTest {

  /** Epochs: the driver paused after its first, the one taking over trains the others. */
  private static final int EPOCHS = 4;
  private static final Duration TIMEOUT = Duration.ofMinutes(5);

  @Test
  void driverPausedPastItsLeaseCommitsNothingAfterATakeoverAndExitsWithLeaseLost(@TempDir Path tmp) throws Exception {
    // the data the chaos job trains on, generated in this JVM (prepare generates it in a JVM of its own otherwise)
    io.epochal.driver.testing.CliRun gen = io.epochal.driver.testing.CliRun.of("--master", "local[2]", "gen-data",
        "--rows", "256", "--features", "8", "--classes", "3", "--seed", "7", "--partitions", "2", "--sample-weights",
        tmp.resolve(ChaosJob.DATA).toAbsolutePath().toString());
    assertThat(gen.code).as("gen-data: %s%s", gen.out, gen.err).isZero();
    ChaosJob job = ChaosJob.prepare(tmp, "local[2]", EPOCHS);
    Path jobDir = tmp.resolve("job");
    long pausedAfter;
    try (ChildDriver a = ChildDriver.start(tmp.resolve("a.log"), job.trainArgs(jobDir))) {
      awaitFile(a, jobDir.resolve("checkpoints/epoch-000001"));
      a.pause();
      pausedAfter = newestPublished(jobDir);
      long tokenA = ChaosJob.leaseToken(jobDir);
      try {
        LeaseRecord lease = ChaosJob.lease(jobDir).orElseThrow();
        Thread.sleep(Math.max(0, Duration.between(Instant.now(), lease.getExpiresAt()).toMillis()) + 300);
        try (ChildDriver b = ChildDriver.start(tmp.resolve("b.log"), job.resumeArgs(jobDir))) {
          long deadline = System.nanoTime() + TIMEOUT.toNanos();
          while (ChaosJob.leaseToken(jobDir) <= tokenA && System.nanoTime() < deadline && b.isAlive()) {
            Thread.sleep(20);
          }
          assertThat(ChaosJob.leaseToken(jobDir)).as(b.output()).isGreaterThan(tokenA);
          a.resume();
          Optional<Integer> codeA = a.waitFor(TIMEOUT);
          assertThat(codeA).as(a.output()).contains(3);
          assertThat(a.output()).contains("LEASE_LOST").contains("this driver stops");
          assertThat(b.waitFor(TIMEOUT)).as(b.output()).contains(0);
        }
      } finally {
        if (a.isAlive()) {
          a.resume();
        }
      }
    }
    List<JobEvent> events = RecoveryFixture.events(jobDir.toUri().toString(), new Configuration());
    List<JobEvent> commits = events.stream().filter(e -> e.getType() == JobEventType.EPOCH_COMMITTED).toList();
    Map<Long, Long> perEpoch = commits.stream().collect(Collectors.groupingBy(JobEvent::getEpoch,
        Collectors.counting()));
    assertThat(perEpoch.keySet()).hasSize(EPOCHS);
    assertThat(perEpoch.values()).as("commits per epoch %s", perEpoch).containsOnly(1L);
    assertThat(commits).filteredOn(e -> e.getAttempt() == 1).as("the paused driver committed before its pause")
        .isNotEmpty().allSatisfy(e -> assertThat(e.getEpoch()).as("paused driver's commit of epoch %s", e.getEpoch())
            .isLessThanOrEqualTo(pausedAfter));
    assertThat(Files.exists(jobDir.resolve("checkpoints/epoch-%06d".formatted(EPOCHS)))).isTrue();
  }

  /** The newest epoch published in {@code jobDir}'s checkpoints directory. */
  private static long newestPublished(Path jobDir) throws IOException {
    try (var dirs = Files.list(jobDir.resolve("checkpoints"))) {
      return dirs.map(d -> d.getFileName().toString()).filter(n -> n.matches("epoch-\\d{6}"))
          .mapToLong(n -> Long.parseLong(n.substring("epoch-".length()))).max().orElse(0);
    }
  }

  private static void awaitFile(ChildDriver driver, Path file) throws Exception {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (!Files.exists(file)) {
      assertThat(driver.isAlive()).as("driver still running; output: %s", driver.output()).isTrue();
      assertThat(System.nanoTime()).as("waiting for %s", file).isLessThan(deadline);
      Thread.sleep(10);
    }
  }
}
