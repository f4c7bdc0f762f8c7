package io.epochal.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.params.HyperParameters;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;

/** job.json, state.json and the event log, run against every file system subclass. */
abstract class JobFilesContract {

  protected abstract FileSystem fs() throws IOException;

  protected abstract Path root() throws IOException;

  private Path newJobDir() throws IOException {
    return new Path(root(), "job-" + UUID.randomUUID());
  }

  private static JobSpec spec(double lr, long epochs) {
    return JobSpec.of("job-1", "mnist mlp", HyperParameters.builder()
        .put("optimizer.lr", lr).put("train.epochs", epochs).put("model.name", "mlp")
        .put("model.hidden", List.of(256, 256)).build());
  }

  @Test
  void progressIsReplacedWholeAndReadsBackEqualAndACorruptOneIsNamedWithWhatToDo() throws IOException {
    Path dir = newJobDir();
    JobProgressStore store = new JobProgressStore(fs(), dir);
    assertThat(store.read()).isEmpty();
    Instant start = Instant.parse("2026-12-05T08:00:00Z");
    JobProgress first = new JobProgress("host:1:a", 2, 3, 5, 10, 64, 1, 8200.5, 0.25, start, start.plusSeconds(20));
    store.write(first);
    assertThat(store.read()).contains(first);
    JobProgress next = new JobProgress("host:1:a", 2, 3, 5, 37, 64, 1, Double.NaN, Double.NaN, start,
        start.plusSeconds(74));
    store.write(next);
    assertThat(store.read()).contains(next);
    assertThat(fs().listStatus(dir)).extracting(st -> st.getPath().getName()).containsExactly(JobPaths.PROGRESS);
    try (FSDataOutputStream out = fs().create(JobPaths.progress(dir), true)) {
      out.write("{\"holder\": \"host:1:a\", \"attempt\": 2".getBytes(StandardCharsets.UTF_8));
    }
    assertThatThrownBy(store::read).isInstanceOf(JobFileFormatException.class)
        .hasMessageContaining(JobPaths.progress(dir).toString())
        .hasMessageContaining("delete it (the running driver writes a new one)");
  }

  @Test
  void jobSpecIsWrittenOnceAndReadsBackEqual() throws IOException {
    JobSpecStore store = new JobSpecStore(fs(), newJobDir());
    assertThat(store.read()).isEmpty();
    assertThat(store.writeOnce(spec(0.01, 10))).isTrue();
    assertThat(store.read()).contains(spec(0.01, 10));
    assertThat(store.read().get().getHyperParameters().get("optimizer.lr")).isEqualTo(0.01);
  }

  @Test
  void identicalJobSpecRewriteIsAccepted() throws IOException {
    Path dir = newJobDir();
    assertThat(new JobSpecStore(fs(), dir).writeOnce(spec(0.01, 10))).isTrue();
    assertThat(new JobSpecStore(fs(), dir).writeOnce(spec(0.01, 10))).isFalse();
    assertThat(new JobSpecStore(fs(), dir).read()).contains(spec(0.01, 10));
  }

  @Test
  void differentJobSpecIsRefusedWithExactDiffLines() throws IOException {
    Path dir = newJobDir();
    JobSpecStore store = new JobSpecStore(fs(), dir);
    store.writeOnce(spec(0.01, 10));
    JobSpec changed = JobSpec.of("job-1", "mnist mlp", spec(0.02, 12).getHyperParameters().with(
        HyperParameters.builder().put("seed", 7).build()));
    assertThatThrownBy(() -> store.writeOnce(changed))
        .isInstanceOf(JobSpecMismatchException.class)
        .satisfies(e -> {
          JobSpecMismatchException m = (JobSpecMismatchException) e;
          assertThat(m.getDifferences()).containsExactly(
              "optimizer.lr: 0.01 -> 0.02", "seed: <unset> -> 7", "train.epochs: 10 -> 12");
          assertThat(m.getMessage()).contains(JobPaths.jobSpec(dir).toString())
              .endsWith("\noptimizer.lr: 0.01 -> 0.02\nseed: <unset> -> 7\ntrain.epochs: 10 -> 12");
        });
    assertThat(store.read()).contains(spec(0.01, 10));
  }

  @Test
  void aJobSpecUnderAnotherJobNameIsRefusedNamingTheNameChange() throws IOException {
    Path dir = newJobDir();
    JobSpecStore store = new JobSpecStore(fs(), dir);
    store.writeOnce(spec(0.01, 10));
    JobSpec renamed = JobSpec.of("job-1", "cifar cnn", spec(0.01, 10).getHyperParameters());
    assertThatThrownBy(() -> store.writeOnce(renamed))
        .isInstanceOf(JobSpecMismatchException.class)
        .satisfies(e -> assertThat(((JobSpecMismatchException) e).getDifferences())
            .containsExactly("jobName: \"mnist mlp\" -> \"cifar cnn\""))
        .hasMessageContaining("jobName: \"mnist mlp\" -> \"cifar cnn\"");
    assertThat(store.read()).contains(spec(0.01, 10));
  }

  @Test
  void anAmendmentReplacesTheStoredSpecOnlyWhenItIsTheExpectedOne() throws IOException {
    Path dir = newJobDir();
    JobSpecStore store = new JobSpecStore(fs(), dir);
    JobSpec at = JobSpec.of("job-1", "mnist mlp", spec(0.01, 10).getHyperParameters().with(
        HyperParameters.builder().put("data.path", "hdfs://old/data").build()));
    JobSpec moved = JobSpec.of("job-1", "mnist mlp", spec(0.01, 10).getHyperParameters().with(
        HyperParameters.builder().put("data.path", "hdfs://new/data").build()));
    assertThatThrownBy(() -> store.amend(at, moved)).isInstanceOf(java.io.FileNotFoundException.class)
        .hasMessageContaining(JobPaths.jobSpec(dir).toString());
    store.writeOnce(at);

    assertThatThrownBy(() -> store.amend(spec(0.02, 10), moved)).isInstanceOf(JobSpecMismatchException.class)
        .satisfies(e -> assertThat(((JobSpecMismatchException) e).getDifferences())
            .containsExactly("data.path: \"hdfs://old/data\" -> \"hdfs://new/data\""));
    assertThat(store.read()).contains(at);

    assertThat(store.amend(at, moved)).isTrue();
    assertThat(store.read()).contains(moved);
    assertThat(store.amend(at, moved)).isFalse();
    assertThat(store.writeOnce(moved)).isFalse();
    assertThatThrownBy(() -> store.writeOnce(at)).isInstanceOf(JobSpecMismatchException.class);
  }

  @Test
  void aTruncatedStateFileIsReportedWithoutTheParsersSourceDump() throws IOException {
    Path dir = newJobDir();
    try (FSDataOutputStream out = fs().create(JobPaths.state(dir))) {
      out.write("{\"state\": \"RUNNING\", \"attempt\": 1".getBytes(StandardCharsets.UTF_8));
    }
    assertThatThrownBy(() -> new JobStateStore(fs(), dir).read())
        .isInstanceOf(JobFileFormatException.class)
        .hasMessageContaining(JobPaths.state(dir).toString())
        .hasMessageContaining("expected close marker for Object (start marker at line 1, column 1)")
        .hasMessageContaining("delete the file")
        .hasMessageNotContaining("REDACTED").hasMessageNotContaining("Source:");
  }

  @Test
  void aJobSpecOfANewerFormatIsSaidToBeANewerEpochalsNotCorrupt() throws IOException {
    Path dir = newJobDir();
    try (FSDataOutputStream out = fs().create(JobPaths.jobSpec(dir))) {
      out.write("{\"format\":2,\"jobId\":\"a\",\"newField\":[1]}".getBytes(StandardCharsets.UTF_8));
    }
    assertThatThrownBy(() -> new JobSpecStore(fs(), dir).read())
        .isInstanceOf(NewerJobFileException.class)
        .hasMessage("job file " + JobPaths.jobSpec(dir) + " was written by a newer Epochal (format 2; this build "
            + "reads format 1): use that Epochal for this job; this build changes nothing in it");
  }

  @Test
  void corruptJobSpecIsReportedNamingTheFile() throws IOException {
    Path dir = newJobDir();
    try (FSDataOutputStream out = fs().create(JobPaths.jobSpec(dir))) {
      out.write("{\"format\":1,\"jobId\":".getBytes(StandardCharsets.UTF_8));
    }
    assertThatThrownBy(() -> new JobSpecStore(fs(), dir).read())
        .isInstanceOf(JobFileFormatException.class)
        .hasMessageContaining(JobPaths.jobSpec(dir).toString())
        .hasMessageContaining("(line 1, column 21)")
        .hasMessageContaining("every checkpoint's manifest.json lists the job's hyperparameters")
        .hasMessageNotContaining("REDACTED");
  }

  @Test
  void anEmptyJobSpecIsSaidToBeACreationStoppedHalfWayWithWhatToDo() throws IOException {
    Path dir = newJobDir();
    fs().create(JobPaths.jobSpec(dir)).close(); // a driver killed between creating the file and writing it
    for (org.assertj.core.api.ThrowableAssert.ThrowingCallable call : List.<org.assertj.core.api.ThrowableAssert
        .ThrowingCallable>of(() -> new JobSpecStore(fs(), dir).read(),
        () -> new JobSpecStore(fs(), dir).writeOnce(spec(0.01, 3)))) {
      assertThatThrownBy(call).isInstanceOf(JobFileFormatException.class)
          .hasMessage("job file " + JobPaths.jobSpec(dir) + " is empty: a driver stopped while it created it, before "
              + "it wrote the job's spec (a file system that creates files in place leaves such a file). If the job "
              + "has no checkpoint, delete the file and run the command again; else restore it from a copy (every "
              + "checkpoint's manifest.json lists the job's hyperparameters)");
    }
  }

  @Test
  void anEmptyJobSpecAnotherWriterFillsAMomentLaterIsReadWhenFilled() throws Exception {
    Path dir = newJobDir();
    Path other = newJobDir();
    new JobSpecStore(fs(), other).writeOnce(spec(0.01, 3)); // the bytes the other writer writes
    byte[] content;
    try (java.io.InputStream in = fs().open(JobPaths.jobSpec(other))) {
      content = in.readAllBytes();
    }
    fs().create(JobPaths.jobSpec(dir)).close(); // created in place, not written yet
    Thread writer = new Thread(() -> {
      try {
        Thread.sleep(300);
        try (FSDataOutputStream out = fs().create(JobPaths.jobSpec(dir), true)) {
          out.write(content);
        }
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
    writer.start();
    try {
      assertThat(new JobSpecStore(fs(), dir).writeOnce(spec(0.01, 3))).as("an equal spec was there").isFalse();
      assertThatThrownBy(() -> new JobSpecStore(fs(), dir).writeOnce(spec(0.02, 3)))
          .isInstanceOf(JobSpecMismatchException.class).hasMessageContaining("optimizer.lr");
    } finally {
      writer.join();
    }
  }

  @Test
  void theHighestAttemptIsThatOfTheNewestEventFile() throws IOException {
    Path dir = newJobDir();
    JobEventLog log = new JobEventLog(fs(), dir);
    assertThat(log.highestAttempt()).isZero();
    log.openAttempt(1).close();
    log.openAttempt(3).close();
    assertThat(log.highestAttempt()).isEqualTo(3);
  }

  @Test
  void aDamagedLeaseFileCountsAsAbsentAndTheClaimOfItsTokenNamesTheHolder() throws IOException {
    Path dir = newJobDir();
    fs().mkdirs(dir);
    JobLease lease = JobLease.builder().setFileSystem(fs()).setJobDir(dir).optHolder("driver-a").build();
    LeaseRecord acquired = lease.acquire(1);
    try (FSDataOutputStream out = fs().create(JobPaths.lease(dir), true)) {
      out.write("{\"holder\": \"x\", ".getBytes(StandardCharsets.UTF_8));
    }

    LeaseRecord seen = JobLease.builder().setFileSystem(fs()).setJobDir(dir).build().current().orElseThrow();

    assertThat(seen.getHolder()).isEqualTo("driver-a");
    assertThat(seen.getToken()).isEqualTo(acquired.getToken());
    lease.release();
  }

  @Test
  void stateMovesThroughFailureResumeAndCompletion() throws IOException {
    MutableClock clock = new MutableClock(Instant.parse("2025-01-01T00:00:00Z"));
    JobStateStore store = new JobStateStore(fs(), newJobDir(), clock);
    assertThat(store.read()).isEmpty();
    store.transition(JobState.RUNNING, 1, null);
    clock.advance(Duration.ofMinutes(5));
    JobStatus failed = store.transition(JobState.FAILED, 1, "executor lost");
    assertThat(store.read()).contains(failed);
    assertThat(failed.getUpdatedAt()).isEqualTo(Instant.parse("2025-01-01T00:05:00Z"));
    store.transition(JobState.RUNNING, 2, null);
    JobStatus done = store.transition(JobState.COMPLETED, 2, null);
    assertThat(store.read()).contains(done);
    assertThatThrownBy(() -> store.transition(JobState.RUNNING, 3, null))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("COMPLETED").hasMessageContaining("cannot become RUNNING");
    assertThat(store.read()).contains(done);
  }

  @Test
  void onlyAnExplicitReopenTakesACompletedJobBackToRunning() throws IOException {
    JobStateStore store = new JobStateStore(fs(), newJobDir(), new MutableClock(Instant.parse("2025-01-01T00:00:00Z")));
    store.transition(JobState.RUNNING, 1, null);
    assertThatThrownBy(() -> store.reopen(2, "final checkpoint damaged"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("only a COMPLETED job is reopened");
    store.transition(JobState.COMPLETED, 1, null);
    JobStatus reopened = store.reopen(2, "final checkpoint damaged");
    assertThat(reopened.getState()).isEqualTo(JobState.RUNNING);
    assertThat(reopened.getAttempt()).isEqualTo(2);
    assertThat(store.read()).contains(reopened);
    assertThat(store.transition(JobState.COMPLETED, 2, null).getState()).isEqualTo(JobState.COMPLETED);
  }

  @Test
  void jobThatNeverStartedCannotFail() throws IOException {
    JobStateStore store = new JobStateStore(fs(), newJobDir());
    assertThatThrownBy(() -> store.transition(JobState.FAILED, 1, "x"))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("must first become RUNNING");
    assertThat(store.read()).isEmpty();
  }

  private static JobEvent event(JobEventType type, int attempt, long epoch, String reason) {
    return JobEvent.builder(type, Instant.parse("2025-01-01T00:00:00Z").plusSeconds(attempt * 100L + epoch),
        attempt).optEpoch(epoch).optRound(epoch < 0 ? -1 : 3).optReason(reason)
        .optMessage(reason == null ? null : "round failed: " + reason).build();
  }

  @Test
  void anAttemptsHistoryContinuedInPartsReadsBackInPartOrderAfterItsFirstFile() throws IOException {
    Path dir = newJobDir();
    JobEventLog log = new JobEventLog(fs(), dir);
    JobEvent started = event(JobEventType.STARTED, 1, -1, null);
    JobEvent one = event(JobEventType.EPOCH_COMMITTED, 1, 1, null);
    JobEvent two = event(JobEventType.EPOCH_COMMITTED, 1, 2, null);
    JobEvent ten = event(JobEventType.EPOCH_COMMITTED, 1, 10, null);
    JobEvent next = event(JobEventType.RESUMED, 2, 10, null);
    // written out of order: parts 10 and 2 first, then the attempt's own file, then attempt 2
    try (JobEventLog.Writer w = log.openContinuation(1, 10)) {
      w.append(ten);
    }
    try (JobEventLog.Writer w = log.openContinuation(1, 2)) {
      w.append(two);
    }
    try (JobEventLog.Writer w = log.openAttempt(1)) {
      w.append(started);
      w.append(one);
    }
    try (JobEventLog.Writer w = log.openAttempt(2)) {
      w.append(next);
    }

    assertThat(log.readAll()).containsExactly(started, one, two, ten, next);
    assertThat(log.highestAttempt()).isEqualTo(2);
    assertThat(JobPaths.attemptEvents(dir, 1, 2).getName()).isEqualTo("attempt-0001.2.jsonl");
    assertThatThrownBy(() -> log.openContinuation(1, 2)).isInstanceOf(FileAlreadyExistsException.class)
        .hasMessageContaining("attempt 1 part 2");
  }

  @Test
  void eventsOfAllAttemptsReadBackInAttemptOrder() throws IOException {
    Path dir = newJobDir();
    JobEventLog log = new JobEventLog(fs(), dir);
    List<JobEvent> second = List.of(event(JobEventType.RESUMED, 2, 1, null),
        event(JobEventType.EPOCH_COMMITTED, 2, 2, null), event(JobEventType.COMPLETED, 2, -1, null));
    List<JobEvent> first = List.of(event(JobEventType.STARTED, 1, -1, null),
        event(JobEventType.EPOCH_COMMITTED, 1, 1, null), event(JobEventType.FAILURE, 1, 2, "NaN"));
    // attempt 2's file is written first: the reader orders by attempt, not by creation
    try (JobEventLog.Writer w = log.openAttempt(2)) {
      for (JobEvent e : second) {
        w.append(e);
      }
    }
    try (JobEventLog.Writer w = log.openAttempt(1)) {
      w.append(first.get(0));
      w.append(first.get(1));
      // visible before close thanks to hflush
      assertThat(new JobEventLog(fs(), dir).readAll()).startsWith(first.get(0), first.get(1));
      w.append(first.get(2));
    }
    assertThat(log.readAll()).containsExactly(first.get(0), first.get(1), first.get(2),
        second.get(0), second.get(1), second.get(2));
    assertThat(log.readAll().get(2).getMessage()).isEqualTo("round failed: NaN");
  }

  @Test
  void attemptNumberCannotBeReused() throws IOException {
    JobEventLog log = new JobEventLog(fs(), newJobDir());
    log.openAttempt(3).close();
    assertThatThrownBy(() -> log.openAttempt(3)).isInstanceOf(FileAlreadyExistsException.class)
        .hasMessageContaining("attempt-0003.jsonl");
  }

  @Test
  void unterminatedLastLineIsSkippedAndMalformedLineIsReported() throws IOException {
    Path dir = newJobDir();
    String good = event(JobEventType.STARTED, 1, -1, null).toJson().toString();
    try (FSDataOutputStream out = fs().create(JobPaths.attemptEvents(dir, 1))) {
      out.write((good + "\n{\"time\":\"2025").getBytes(StandardCharsets.UTF_8));
    }
    assertThat(new JobEventLog(fs(), dir).readAll()).containsExactly(event(JobEventType.STARTED, 1, -1, null));
    try (FSDataOutputStream out = fs().create(JobPaths.attemptEvents(dir, 2))) {
      out.write((good.replace("\"attempt\":1", "\"attempt\":2") + "\n{\"type\":\"BOGUS\"}\n")
          .getBytes(StandardCharsets.UTF_8));
    }
    assertThatThrownBy(() -> new JobEventLog(fs(), dir).readAll())
        .isInstanceOf(JobFileFormatException.class)
        .hasMessageContaining("attempt-0002.jsonl").hasMessageContaining("line 2");
  }
}
