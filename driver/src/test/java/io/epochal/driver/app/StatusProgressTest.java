package io.epochal.driver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.job.JobLease;
import io.epochal.job.JobProgress;
import io.epochal.job.JobProgressStore;
import io.epochal.job.JobSpec;
import io.epochal.job.JobSpecStore;
import io.epochal.job.JobState;
import io.epochal.job.JobStateStore;
import io.epochal.params.HyperParameters;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code status} of a job whose driver runs: where that driver said it is, from its {@code progress.json}. */
class StatusProgressTest {

  @TempDir java.nio.file.Path tmp;

  private final Configuration conf = new Configuration();

  private String status(java.nio.file.Path target) throws Exception {
    return status(target, false);
  }

  private String status(java.nio.file.Path target, boolean json) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      new JobStatusReport(conf, out).print(target.toUri(), json);
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  private JsonNode json(java.nio.file.Path target) throws Exception {
    return new ObjectMapper().readTree(status(target, true));
  }

  @Test
  void theJsonTargetOfARootWhosePathHoldsABlankIsWrittenAsItsJobsPathsAre() throws Exception {
    java.nio.file.Path local = tmp.resolve("my jobs").resolve("a");
    Path dir = new Path(local.toUri());
    new JobSpecStore(dir.getFileSystem(conf), dir).writeOnce(JobSpec.of("a", "a", HyperParameters.builder()
        .put("job.name", "a").put("train.epochs", 3L).build()));
    JsonNode root = json(tmp.resolve("my jobs"));
    assertThat(root.get("target").asText()).endsWith("/my jobs").doesNotContain("%20");
    assertThat(root.get("jobs")).singleElement().satisfies(j -> assertThat(j.get("path").asText())
        .isEqualTo(root.get("target").asText() + "/a"));
  }

  /** A job of 3 epochs in {@code local}, named as its directory; its directory. */
  private Path threeEpochJob(java.nio.file.Path local) throws Exception {
    Path dir = new Path(local.toUri());
    String name = local.getFileName().toString();
    new JobSpecStore(dir.getFileSystem(conf), dir).writeOnce(JobSpec.of(name, name, HyperParameters.builder()
        .put("job.name", name).put("train.epochs", 3L).build()));
    return dir;
  }

  @Test
  void statusOfARunningJobSaysWhereItsDriverIsAndTheTableOfARootHasItsRound() throws Exception {
    java.nio.file.Path local = tmp.resolve("jobs").resolve("running");
    Path dir = threeEpochJob(local);
    FileSystem fs = dir.getFileSystem(conf);
    JobLease lease = JobLease.builder().setFileSystem(fs).setJobDir(dir).optTtl(Duration.ofMinutes(5)).build();
    lease.acquire(1);
    new JobStateStore(fs, dir).transition(JobState.RUNNING, 1, "started");
    Instant now = Instant.now();
    new JobProgressStore(fs, dir).write(new JobProgress(lease.getHolder(), 1, 2, 3, 64, 128, 1, 2048, 0.25,
        now.minusSeconds(66), now.minusSeconds(2)));

    assertThat(status(local)).contains("state:       RUNNING")
        .containsPattern("progress:    epoch 2/3, round 64 of 128 \\(50 %\\), 2048 samples/s, loss 0.250000, "
            + "reported \\d\\.\\d s ago; about 64 s to the end of the epoch, 3 min to the end of the job \\(1.0 s a "
            + "round\\)");
    String table = status(tmp.resolve("jobs"));
    assertThat(table.lines().findFirst().orElseThrow()).contains("EPOCH       ROUND   TRAIN_LOSS");
    assertThat(table).containsPattern("running\\s+RUNNING\\s+-/3\\s+64/128\\s");
    // the same as one JSON document, for the job and for the root
    JsonNode job = json(local).get("jobs").get(0);
    assertThat(job.get("state").asText()).isEqualTo("RUNNING");
    assertThat(job.get("epochs").asLong()).isEqualTo(3);
    assertThat(job.get("epoch").isNull()).as("no checkpoint yet").isTrue();
    assertThat(job.get("lease").get("holder").asText()).isEqualTo(lease.getHolder());
    assertThat(job.get("lease").get("live").asBoolean()).isTrue();
    JsonNode progress = job.get("progress");
    assertThat(progress.get("live").asBoolean()).isTrue();
    assertThat(progress.get("round").asInt()).isEqualTo(64);
    assertThat(progress.get("samples_per_second").asDouble()).isEqualTo(2048);
    assertThat(progress.get("seconds_to_epoch_end").asDouble()).isEqualTo(64.0);
    assertThat(progress.get("seconds_to_job_end").asDouble()).isEqualTo(192.0);
    assertThat(job.get("checkpoints")).isEmpty();
    assertThat(job.get("mid_epoch").isNull()).isTrue();
    JsonNode root = json(tmp.resolve("jobs"));
    assertThat(root.get("target").asText()).endsWith("/jobs");
    assertThat(root.get("jobs")).singleElement().satisfies(j -> {
      assertThat(j.get("job").asText()).isEqualTo("running");
      assertThat(j.get("progress").get("rounds").asInt()).isEqualTo(128);
      assertThat(j.get("problems")).isEmpty();
    });

    // another driver takes the job over and has not reported yet: the old report is not shown as its own
    lease.release();
    JobLease next = JobLease.builder().setFileSystem(fs).setJobDir(dir).optTtl(Duration.ofMinutes(5)).build();
    next.acquire(2);
    assertThat(status(local)).doesNotContain("progress:").doesNotContain("last report:");
    assertThat(status(tmp.resolve("jobs")).lines().findFirst().orElseThrow()).doesNotContain("ROUND");
    assertThat(json(local).get("jobs").get(0).get("progress").isNull()).isTrue();
  }

  @Test
  void aFailedWrittenLateByADriverANewerOneTookTheJobFromIsShownAsTheNewerOnesRun() throws Exception {
    java.nio.file.Path local = tmp.resolve("jobs").resolve("taken-over");
    Path dir = threeEpochJob(local);
    FileSystem fs = dir.getFileSystem(conf);
    JobStateStore states = new JobStateStore(fs, dir);
    JobLease paused = JobLease.builder().setFileSystem(fs).setJobDir(dir).optTtl(Duration.ofMinutes(5)).build();
    paused.acquire(1);
    states.transition(JobState.RUNNING, 1, "started");
    paused.release(); // it stalled past its lease, as far as the next driver is concerned
    JobLease next = JobLease.builder().setFileSystem(fs).setJobDir(dir).optTtl(Duration.ofMinutes(5)).build();
    next.acquire(2);
    states.transition(JobState.RUNNING, 2, "resumed");
    Instant now = Instant.now();
    new JobProgressStore(fs, dir).write(new JobProgress(next.getHolder(), 2, 2, 3, 10, 128, 1, 2048, 0.25,
        now.minusSeconds(10), now.minusSeconds(1)));
    // the stalled driver, past its check of the lease, marks the job FAILED after the takeover
    states.transition(JobState.FAILED, 1, "TASK_FAILED: attempt 1 failed");

    assertThat(status(local)).contains("state:       RUNNING").contains("attempt 2")
        .contains("progress:    epoch 2/3, round 10 of 128").doesNotContain("which is gone");
    JsonNode job = json(local).get("jobs").get(0);
    assertThat(job.get("state").asText()).isEqualTo("RUNNING");
    assertThat(job.get("progress").get("live").asBoolean()).isTrue();
    assertThat(status(tmp.resolve("jobs"))).containsPattern("taken-over\\s+RUNNING\\s+-/3\\s+10/128\\s");
  }

  @Test
  void aLocationWithoutJobsIsOneJsonDocumentWithItsErrorToo() throws Exception {
    java.nio.file.Path empty = java.nio.file.Files.createDirectories(tmp.resolve("empty"));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> new JobStatusReport(conf, out)
          .print(empty.toUri(), true)).isInstanceOf(io.epochal.driver.config.ConfigException.class);
    }
    JsonNode doc = new ObjectMapper().readTree(bytes.toString(StandardCharsets.UTF_8));
    assertThat(doc.get("jobs")).isEmpty();
    assertThat(doc.get("error").asText()).contains("no Epochal job at or under");
  }
}
