package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.job.JobProgress;
import io.epochal.job.JobProgressStore;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgressFileTest {

  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-05T08:00:00Z"), ZoneOffset.UTC);

  @TempDir java.nio.file.Path tmp;

  private JobProgressStore store(String job) throws Exception {
    return new JobProgressStore(FileSystem.getLocal(new Configuration()), new Path(tmp.resolve(job).toUri()));
  }

  @Test
  void anEpochsBeginningAndItsLastRoundAreReportedAndTheRoundsBetweenAtMostOnceAnInterval() throws Exception {
    JobProgressStore store = store("hourly");
    try (ProgressFile r = new ProgressFile(store, "vm:1:a", 2, 3, 8, Duration.ofHours(1), CLOCK)) {
      r.epochBegins(2, 1);
      for (int round = 1; round <= 5; round++) {
        r.round(round, 1000 + round, 0.5);
      }
    } // closing writes what waits, and nothing else waits: rounds 1-5 came within the hour
    JobProgress begun = store.read().orElseThrow();
    assertThat(begun.getEpoch()).isEqualTo(2);
    assertThat(begun.getRound()).isZero();
    assertThat(begun.getSamplesPerSecond()).isNaN();
    assertThat(begun.getHolder()).isEqualTo("vm:1:a");
    assertThat(begun.getAttempt()).isEqualTo(2);

    try (ProgressFile r = new ProgressFile(store, "vm:1:a", 2, 3, 8, Duration.ofHours(1), CLOCK)) {
      r.epochBegins(3, 7); // resumed after a mid-epoch checkpoint's six rounds
      r.round(7, 900, 0.4);
      r.round(8, 950, 0.3); // the epoch's last round is always reported
    }
    JobProgress last = store.read().orElseThrow();
    assertThat(last.getEpoch()).isEqualTo(3);
    assertThat(last.getRound()).isEqualTo(8);
    assertThat(last.getFirstRound()).isEqualTo(7);
    assertThat(last.getSamplesPerSecond()).isEqualTo(950);
    assertThat(last.getMeanLoss()).isEqualTo(0.3);
  }

  @Test
  void withoutAnIntervalEveryRoundIsReportedAndTheNewestOneIsWhatStays() throws Exception {
    JobProgressStore store = store("every-round");
    try (ProgressFile r = new ProgressFile(store, "vm:1:a", 1, 3, 8, Duration.ZERO, CLOCK)) {
      r.epochBegins(1, 1);
      for (int round = 1; round <= 5; round++) {
        r.round(round, 1000 + round, 1.0 / round);
      }
    }
    JobProgress p = store.read().orElseThrow();
    assertThat(p.getRound()).isEqualTo(5);
    assertThat(p.getSamplesPerSecond()).isEqualTo(1005);
  }

  @Test
  void aReportThatCannotBeWrittenDoesNotStopTraining() throws Exception {
    java.nio.file.Path file = Files.writeString(tmp.resolve("not-a-directory"), "x");
    JobProgressStore store = new JobProgressStore(FileSystem.getLocal(new Configuration()),
        new Path(file.resolve("job").toUri()));
    try (ProgressFile r = new ProgressFile(store, "vm:1:a", 1, 1, 4, Duration.ZERO, CLOCK)) {
      r.epochBegins(1, 1);
      for (int round = 1; round <= 4; round++) {
        r.round(round, 10, 1);
      }
    }
    assertThat(file).hasContent("x");
  }
}
