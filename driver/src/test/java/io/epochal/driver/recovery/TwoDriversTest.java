package io.epochal.driver.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.driver.spark.EpochalSpark;
import io.epochal.driver.spark.SparkSessions;
import io.epochal.driver.train.TrainingJob;
import io.epochal.driver.train.TrainingOutcome;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventType;
import io.epochal.job.LeaseHeldException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two drivers started on one job at the same moment, ten times over: one trains, the other is refused. */
class TwoDriversTest {

  private static EpochalSpark spark;
  private static String data;

  @BeforeAll
  static void start(@TempDir Path tmp) {
    spark = SparkSessions.builder().setMaster("local[2]").optAppName("recovery-two-drivers").build();
    data = RecoveryFixture.writeData(spark, tmp.resolve("data"));
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.close();
    }
  }

  @Test
  void twoDriversOnOneJobNeverCommitOneEpochTwice(@TempDir Path tmp)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      for (int rep = 0; rep < 10; rep++) {
        String dir = tmp.resolve("job-" + rep).toUri().toString();
        var spec = RecoveryFixture.spec(dir, data, Map.of("train.epochs", "1"));
        CyclicBarrier together = new CyclicBarrier(2);
        List<Future<Object>> drivers = new ArrayList<>();
        for (int d = 0; d < 2; d++) {
          drivers.add(pool.submit(() -> {
            together.await();
            try {
              return TrainingJob.builder().setSpec(spec).setSpark(spark).build().run();
            } catch (LeaseHeldException e) {
              return e;
            } catch (IllegalStateException e) {
              assertThat(e.getMessage()).contains("is COMPLETED");
              return "came after the winner completed";
            }
          }));
        }
        List<Object> results = new ArrayList<>();
        for (Future<Object> f : drivers) {
          results.add(f.get());
        }
        List<LeaseHeldException> refused = results.stream().filter(r -> r instanceof LeaseHeldException)
            .map(r -> (LeaseHeldException) r).toList();
        // Either the loser was refused while the winner held the lease, or it came after the winner
        // finished and found nothing left to train.
        assertThat(refused.size()).as("rep %s: %s", rep, results).isLessThanOrEqualTo(1);
        assertThat(results).as("rep %s: one driver trained the job, the other trained nothing", rep)
            .filteredOn(r -> r instanceof TrainingOutcome && ((TrainingOutcome) r).resumedFrom() == 0).hasSize(1);
        for (LeaseHeldException e : refused) {
          assertThat(e.getMessage()).contains("is leased by " + e.getCurrent().getHolder())
              .contains("expires at " + e.getCurrent().getExpiresAt());
        }
        List<JobEvent> events = RecoveryFixture.events(dir, new Configuration());
        Map<Long, Long> commits = events.stream().filter(e -> e.getType() == JobEventType.EPOCH_COMMITTED)
            .collect(Collectors.groupingBy(JobEvent::getEpoch, Collectors.counting()));
        assertThat(commits).as("rep %s commits per epoch", rep).isEqualTo(Map.of(1L, 1L));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aDriverThatFindsTheJobLeasedIsRefusedNamingTheHolderAndExpiryAndWritesNothing(@TempDir Path tmp)
      throws Exception {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(tmp.resolve("leased").toUri());
    org.apache.hadoop.fs.FileSystem fs = dir.getFileSystem(new Configuration());
    io.epochal.job.LeaseRecord held = io.epochal.job.JobLease.builder().setFileSystem(fs).setJobDir(dir)
        .optHolder("running-driver").optTtl(java.time.Duration.ofHours(1)).build().acquire(1);
    var spec = RecoveryFixture.spec(dir.toString(), data, Map.of("train.epochs", "1"));
    java.util.List<String> before = listing(tmp.resolve("leased"));

    Throwable refused = org.assertj.core.api.Assertions.catchThrowable(
        () -> TrainingJob.builder().setSpec(spec).setSpark(spark).build().run());

    assertThat(refused).isInstanceOf(LeaseHeldException.class).hasMessageContaining("is leased by running-driver")
        .hasMessageContaining("expires at " + held.getExpiresAt());
    assertThat(listing(tmp.resolve("leased"))).as("no job.json, state, history or checkpoint").isEqualTo(before);
  }

  /** Every file and directory below {@code dir}, relative to it, sorted. */
  private static java.util.List<String> listing(Path dir) throws java.io.IOException {
    try (java.util.stream.Stream<Path> all = java.nio.file.Files.walk(dir)) {
      return all.map(p -> dir.relativize(p).toString()).sorted().toList();
    }
  }
}
