package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.checkpoint.MiniHdfs;
import io.epochal.driver.app.RegistryModelCatalog;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.job.JobState;
import io.epochal.job.JobStateStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.hdfs.protocol.HdfsConstants.SafeModeAction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On a real HDFS (one DataNode on loopback) whose NameNode is in safe mode: a run's start and its
 * end wait for the job directory to take writes, as a retry does, instead of failing before it
 * trained or after.
 */
class StorageWaitHdfsTest {

  @TempDir
  static Path hdfsBase;

  @TempDir
  Path tmp;

  private static MiniHdfs hdfs;
  private static Configuration client;
  private final RecordingListener listener = new RecordingListener();
  private final List<String> warnings = listener.warnings;
  private final List<String> messages = listener.messages;

  @BeforeAll
  static void startHdfs() throws Exception {
    hdfs = MiniHdfs.start(hdfsBase.toFile());
    client = hdfs.conf();
    client.setBoolean("fs.hdfs.impl.disable.cache", true);
  }

  @AfterAll
  static void stopHdfs() {
    if (hdfs != null) {
      hdfs.close();
    }
  }

  private static DistributedFileSystem dfs() throws IOException {
    return (DistributedFileSystem) hdfs.fileSystem();
  }

  @AfterEach
  void leaveSafeMode() throws IOException {
    dfs().setSafeMode(SafeModeAction.SAFEMODE_LEAVE);
  }

  private static JobSpec spec(Path tmp, String jobDir) throws Exception {
    Path file = tmp.resolve("job.properties");
    Files.createDirectories(tmp.resolve("data")); // the spec names it; these tests read no rows
    Files.write(file, List.of("job.name=safe-mode", "job.dir=" + jobDir,
        "data.path=" + tmp.resolve("data").toUri(), "data.features=features", "data.classes=2", "model.name=mlp",
        "model.input_dim=4", "model.output_dim=2", "train.epochs=3", "lease.ttl_ms=60000"));
    return JobSpecResolver.builder().optJobFile(file).optCatalog(new RegistryModelCatalog())
        .optHadoopConf(client).build().resolve();
  }

  /** The run's first writes as {@link TrainingJob} makes them: job.json, then the lease and the state. */
  private void start(JobDirectory dir, long patienceMs) throws IOException, TrainingException {
    StorageWait.starting(dir, dir::alreadyCompleted, patienceMs, listener);
    StorageWait.starting(dir, () -> {
      dir.start(null);
      return null;
    }, patienceMs, listener);
  }

  /** Something that writes to a job directory and may wait for it. */
  @FunctionalInterface
  private interface Write {
    void run() throws IOException, TrainingException;
  }

  /** Runs {@code write} on another thread until it says it waits (or ends, or a minute passes). */
  private CompletableFuture<Void> untilItWaits(Write write) throws InterruptedException {
    CompletableFuture<Void> running = CompletableFuture.runAsync(() -> {
      try {
        write.run();
      } catch (IOException | TrainingException e) {
        throw new IllegalStateException(e);
      }
    });
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (warnings.isEmpty() && !running.isDone() && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    return running;
  }

  private static String jobDir(String name) {
    return hdfs.uri() + "/jobs/" + name;
  }

  @Test
  void aJobStartedWhileTheNameNodeIsInSafeModeWaitsForItToLeaveThenStarts() throws Exception {
    String jobDir = jobDir("waited");
    JobSpec spec = spec(tmp, jobDir);
    DistributedFileSystem dfs = dfs();
    dfs.setSafeMode(SafeModeAction.SAFEMODE_ENTER);
    try (JobDirectory dir = JobDirectory.open(spec, client, listener, null)) {
      CompletableFuture<Void> started = untilItWaits(() -> start(dir, 120_000));
      assertThat(started).as("the start waits while the NameNode is in safe mode").isNotDone();
      assertThat(warnings.get(0)).startsWith("waiting for " + jobDir + " to take writes again (cannot start job "
          + jobDir + ": ").contains("safe mode").contains("(retry.storage_wait_ms); the wait is not an attempt");
      dfs.setSafeMode(SafeModeAction.SAFEMODE_LEAVE);

      started.get(60, TimeUnit.SECONDS);
      assertThat(messages).anySatisfy(m -> assertThat(m).startsWith(jobDir + " takes writes again after ")
          .endsWith("; starting"));
      try (FileSystem fs = FileSystem.newInstance(new org.apache.hadoop.fs.Path(jobDir).toUri(), client)) {
        assertThat(new JobStateStore(fs, new org.apache.hadoop.fs.Path(jobDir)).read())
            .hasValueSatisfying(s -> assertThat(s.getState()).isEqualTo(JobState.RUNNING));
      }
      dir.complete();
    }
  }

  @Test
  void aJobWhoseNameNodeStaysInSafeModeFailsAfterTheWaitAsAnIoErrorSayingWhatToDo() throws Exception {
    String jobDir = jobDir("given-up");
    JobSpec spec = spec(tmp, jobDir);
    dfs().setSafeMode(SafeModeAction.SAFEMODE_ENTER);
    try (JobDirectory dir = JobDirectory.open(spec, client, listener, null)) {
      assertThatThrownBy(() -> start(dir, 3_000)).isInstanceOf(IOException.class)
          .hasMessageStartingWith("cannot start job " + jobDir + ": ").hasMessageContaining("safe mode")
          .hasMessageContaining(jobDir + " took no writes for 3 s (retry.storage_wait_ms = 3000): once its file "
              + "system answers, run the command again (or give the start longer with --set "
              + "retry.storage_wait_ms=N)");
      assertThat(warnings).hasSize(1);
      assertThat(messages).isEmpty();
    }
  }

  @Test
  void aStartRefusedForAnotherReasonIsNotWaitedFor() throws Exception {
    String jobDir = jobDir("refused");
    JobSpec spec = spec(tmp, jobDir);
    DistributedFileSystem dfs = dfs();
    dfs.mkdirs(new org.apache.hadoop.fs.Path("/jobs"));
    dfs.create(new org.apache.hadoop.fs.Path("/jobs/refused")).close(); // a file where the job directory belongs
    try (JobDirectory dir = JobDirectory.open(spec, client, listener, null)) {
      assertThatThrownBy(() -> start(dir, 120_000)).isInstanceOf(IOException.class)
          .hasMessageNotContaining("took no writes");
      assertThat(warnings).as("no wait: a wait says so at once").isEmpty();
    }
  }

  /** A job started and, when the test says so, put in safe mode before its end. */
  private JobDirectory started(String name) throws Exception {
    JobDirectory dir = JobDirectory.open(spec(tmp, jobDir(name)), client, listener, null);
    start(dir, 0);
    return dir;
  }

  private static JobState state(String jobDir) throws IOException {
    try (FileSystem fs = FileSystem.newInstance(new org.apache.hadoop.fs.Path(jobDir).toUri(), client)) {
      return new JobStateStore(fs, new org.apache.hadoop.fs.Path(jobDir)).read().orElseThrow().getState();
    }
  }

  @Test
  void aJobEndingWhileTheNameNodeIsInSafeModeWaitsForItToLeaveThenIsMarkedCompleted() throws Exception {
    String jobDir = jobDir("ended-after-wait");
    DistributedFileSystem dfs = dfs();
    try (JobDirectory dir = started("ended-after-wait")) {
      dfs.setSafeMode(SafeModeAction.SAFEMODE_ENTER);
      CompletableFuture<Void> ended = untilItWaits(() -> StorageWait.finishing(dir, 120_000, listener));
      assertThat(ended).as("the end waits while the NameNode is in safe mode").isNotDone();
      assertThat(warnings.get(0)).startsWith("waiting for " + jobDir + " to take writes again (cannot mark job "
          + jobDir + " COMPLETED: ").contains("safe mode");
      assertThat(state(jobDir)).isEqualTo(JobState.RUNNING);
      dfs.setSafeMode(SafeModeAction.SAFEMODE_LEAVE);

      ended.get(60, TimeUnit.SECONDS);
      assertThat(messages).anySatisfy(m -> assertThat(m).startsWith(jobDir + " takes writes again after ")
          .endsWith("; marking the job COMPLETED"));
      assertThat(state(jobDir)).isEqualTo(JobState.COMPLETED);
    }
  }

  @Test
  void anEarlyStoppedJobsAmendmentOfItsEpochsWaitsForTheNameNodeAsItsMarkDoes() throws Exception {
    String jobDir = jobDir("stopped-early");
    try (JobDirectory dir = started("stopped-early")) {
      dfs().setSafeMode(SafeModeAction.SAFEMODE_ENTER);
      TrainingOutcome stopped = new TrainingOutcome(2, 2, 8, io.epochal.tensor.StateDict.empty(),
          jobDir + "/checkpoints", List.of(), 0, 0).withEarlyStop("train_loss did not improve for 1 epoch");
      CompletableFuture<Void> ended = untilItWaits(() -> TrainingJob.end(dir, stopped, 120_000, listener));
      assertThat(ended).as("the amendment waits while the NameNode is in safe mode").isNotDone();
      assertThat(warnings.get(0)).startsWith("waiting for " + jobDir + " to take writes again (cannot mark job "
          + jobDir + " COMPLETED: ").contains("safe mode");
      dfs().setSafeMode(SafeModeAction.SAFEMODE_LEAVE);

      ended.get(60, TimeUnit.SECONDS);
      try (FileSystem fs = FileSystem.newInstance(new org.apache.hadoop.fs.Path(jobDir).toUri(), client)) {
        assertThat(new io.epochal.job.JobSpecStore(fs, new org.apache.hadoop.fs.Path(jobDir)).read().orElseThrow()
            .getHyperParameters().getLong("train.epochs")).as("job.json amended to the epoch it stopped at")
            .isEqualTo(2);
      }
    }
  }

  @Test
  void aJobWhoseNameNodeStaysInSafeModeAtItsEndFailsSayingThatAResumeMarksItThenCanStillBeMarked() throws Exception {
    String jobDir = jobDir("end-given-up");
    try (JobDirectory dir = started("end-given-up")) {
      dfs().setSafeMode(SafeModeAction.SAFEMODE_ENTER);
      assertThatThrownBy(() -> StorageWait.finishing(dir, 3_000, listener)).isInstanceOf(IOException.class)
          .hasMessageStartingWith("cannot mark job " + jobDir + " COMPLETED: ").hasMessageContaining("safe mode")
          .hasMessageContaining(jobDir + " took no writes for 3 s (retry.storage_wait_ms = 3000): once its file "
              + "system answers, resume the job: every epoch is committed, so the resume marks it COMPLETED and "
              + "trains nothing (or give the end longer with --set retry.storage_wait_ms=N)");
      dfs().setSafeMode(SafeModeAction.SAFEMODE_LEAVE);
      assertThat(state(jobDir)).isEqualTo(JobState.RUNNING);

      StorageWait.finishing(dir, 0, listener);
      assertThat(state(jobDir)).as("the failed try left nothing in the way of the next").isEqualTo(JobState.COMPLETED);
    }
  }
}
