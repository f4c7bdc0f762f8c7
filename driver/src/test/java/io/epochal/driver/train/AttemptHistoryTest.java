package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.checkpoint.OtherSchemeFileSystem;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventLog;
import io.epochal.job.JobEventType;
import java.time.Instant;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An attempt's history outlives a broken stream: the events after the break go to a new part of
 * the history once the file system takes writes again, nothing of the run fails, and a close that
 * fails is a warning. A failure's event says which try it was, or that it is not retried.
 */
class AttemptHistoryTest {

  @TempDir
  java.nio.file.Path tmp;

  private final RecordingListener listener = new RecordingListener();
  private final List<String> warnings = listener.warnings;

  @AfterEach
  void clearFaults() {
    OtherSchemeFileSystem.clearFaults();
  }

  private static JobEvent committed(int epoch) {
    return JobEvent.builder(JobEventType.EPOCH_COMMITTED, Instant.parse("2025-01-01T00:00:00Z").plusSeconds(epoch), 1)
        .optEpoch(epoch).optRound(0).optMessage("epoch " + epoch).build();
  }

  private Path jobDir() {
    return new Path(OtherSchemeFileSystem.uri(tmp.resolve("job")));
  }

  /** Attempt 1's history holding epoch 1's commit, then a file system that takes no writes to it. */
  private AttemptHistory brokenAfterOne(JobEventLog log) throws java.io.IOException {
    AttemptHistory history = AttemptHistory.open(log, jobDir(), 1, listener);
    history.append(committed(1));
    OtherSchemeFileSystem.failWritesTo(p -> p.getName().startsWith("attempt-"));
    return history;
  }

  @Test
  void eventsAfterTheStreamBrokeGoToANewPartOnceTheFileSystemTakesWritesAgain() throws Exception {
    try (FileSystem fs = OtherSchemeFileSystem.open()) {
      JobEventLog log = new JobEventLog(fs, jobDir());
      AttemptHistory history = brokenAfterOne(log); // the file system is away
      history.append(committed(2));
      history.append(committed(3));
      assertThat(warnings).singleElement().satisfies(w -> assertThat(w).contains("cannot append to the event history",
          "training goes on"));

      OtherSchemeFileSystem.clearFaults(); // and back
      history.append(committed(4));
      history.append(committed(5));
      history.close();

      assertThat(log.readAll()).extracting(JobEvent::getEpoch).containsExactly(1L, 4L, 5L);
      assertThat(warnings).hasSize(2).last().satisfies(w -> assertThat(w)
          .contains("the event history is written again, continued in").containsPattern("attempt-0001\\.\\d+\\.jsonl"));
      history.append(committed(6));
      assertThat(log.readAll()).as("nothing after close").extracting(JobEvent::getEpoch).containsExactly(1L, 4L, 5L);
    }
  }

  @Test
  void aContinuationPartACreateMadeWithoutAnAnswerIsPassedOverAndLaterEventsAreKept() throws Exception {
    try (FileSystem fs = OtherSchemeFileSystem.open()) {
      JobEventLog log = new JobEventLog(fs, jobDir());
      AttemptHistory history = brokenAfterOne(log); // the stream breaks
      history.append(committed(2));
      OtherSchemeFileSystem.clearFaults();
      // the next part's create reached the file system, its answer did not: the file is there, empty
      java.nio.file.Path events = tmp.resolve("job").resolve("events");
      int parts;
      try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.list(events)) {
        parts = (int) files.filter(f -> f.getFileName().toString().startsWith("attempt-0001")).count();
      }
      java.nio.file.Files.createFile(events.resolve("attempt-0001." + parts + ".jsonl"));
      history.append(committed(3)); // finds that part taken
      history.append(committed(4));
      history.append(committed(5));
      history.close();

      assertThat(log.readAll()).extracting(JobEvent::getEpoch).as("the events after the part taken")
          .contains(1L, 4L, 5L);
    }
  }

  @Test
  void aFailureThatWouldFailAlikeUntilFixedIsRecordedAsNotRetriedNotAsATryOfSeveral() throws Exception {
    try (FileSystem fs = OtherSchemeFileSystem.open()) {
      Path dir = new Path(OtherSchemeFileSystem.uri(tmp.resolve("job")));
      JobEventLog log = new JobEventLog(fs, dir);
      AttemptHistory history = AttemptHistory.open(log, dir, 1, listener);
      history.failure(new TrainingException(FailureReason.CHECKPOINT_WRITE_FAILED, 2, 0, "commit of epoch 2 failed",
          new java.io.IOException("No space left on device")), 1, 3, false);
      history.failure(new TrainingException(FailureReason.CHECKPOINT_WRITE_FAILED, 2, 0, "commit of epoch 2 failed",
          new java.io.IOException("connection reset")), 1, 3, true);
      history.failure(new TrainingException(FailureReason.BAD_INPUT, 2, 0, "row 7 has 3 features", null), 2, 3, false);
      history.close();

      assertThat(log.readAll()).extracting(JobEvent::getMessage).containsExactly(
          "commit of epoch 2 failed [not retried: it fails alike until its cause is fixed; cause: "
              + "java.io.IOException: No space left on device]",
          "commit of epoch 2 failed [try 1 of 3, retried in place from the state in memory; cause: "
              + "java.io.IOException: connection reset]",
          "row 7 has 3 features [BAD_INPUT is not retried; cause: none]");
    }
  }

  @Test
  void aCloseThatFailsIsAWarningAndEveryEventWrittenBeforeStaysReadable() throws Exception {
    try (FileSystem fs = OtherSchemeFileSystem.open()) {
      Path dir = new Path(OtherSchemeFileSystem.uri(tmp.resolve("job")));
      JobEventLog log = new JobEventLog(fs, dir);
      AttemptHistory history = AttemptHistory.open(log, dir, 1, listener);
      history.append(committed(1));
      history.append(committed(2));

      OtherSchemeFileSystem.failWritesTo(p -> p.getName().startsWith("attempt-"));
      history.close();

      assertThat(warnings).singleElement().satisfies(w -> assertThat(w).contains("cannot close the event history",
          "attempt-0001.jsonl", "every event of this run was flushed as it was written"));
      OtherSchemeFileSystem.clearFaults();
      assertThat(log.readAll()).extracting(JobEvent::getEpoch).containsExactly(1L, 2L);
    }
  }
}
