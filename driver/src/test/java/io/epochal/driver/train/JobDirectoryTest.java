package io.epochal.driver.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.epochal.checkpoint.CheckpointContent;
import io.epochal.checkpoint.CheckpointManifest;
import io.epochal.checkpoint.CheckpointStore;
import io.epochal.driver.app.RegistryModelCatalog;
import io.epochal.driver.config.JobSpec;
import io.epochal.driver.config.JobSpecResolver;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventLog;
import io.epochal.job.JobEventType;
import io.epochal.job.JobLease;
import io.epochal.tensor.StateDict;
import io.epochal.tensor.Tensor;
import java.nio.file.Files;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job directory's lease checks around what a driver does after losing the lease. */
class JobDirectoryTest {

  @TempDir
  Path tmp;

  private JobSpec spec(Path jobDir) throws Exception {
    Path file = tmp.resolve("job.properties");
    Files.createDirectories(tmp.resolve("data")); // the spec names it; these tests read no rows
    Files.write(file, List.of("job.name=lease-checks", "job.dir=" + jobDir.toUri(),
        "data.path=" + tmp.resolve("data").toUri(), "data.features=features", "data.classes=2", "model.name=mlp",
        "model.input_dim=4", "model.output_dim=2", "train.epochs=3",
        "checkpoint.keep_last=1", "checkpoint.keep_best=0", "lease.ttl_ms=60000"));
    return JobSpecResolver.builder().optJobFile(file).optCatalog(new RegistryModelCatalog())
        .optHadoopConf(new Configuration()).build().resolve();
  }

  /** The spec of {@link #spec} (written before) with {@code train.epochs} of {@code epochs}: a resume's amendment. */
  private JobSpec withEpochs(int epochs) {
    return JobSpecResolver.builder().optJobFile(tmp.resolve("job.properties")).optCatalog(new RegistryModelCatalog())
        .optHadoopConf(new Configuration()).optOverrides(java.util.Map.of("train.epochs", Integer.toString(epochs)))
        .build().resolve();
  }

  private static void commit(JobDirectory dir, long epoch) throws Exception {
    dir.store().commit(CheckpointContent.builder()
        .setModel(StateDict.builder().put("w", Tensor.ofFloats(new long[] {1}, epoch)).build())
        .setManifest(CheckpointManifest.builder().setJobId("lease-checks").setEpoch(epoch).setModel("mlp", "1")
            .optMetric("train_loss", 1.0 / epoch).build())
        .build(), dir.commitGuard());
  }

  /** Starts the run and commits checkpoints of epochs 1 to {@code epochs}. */
  private static void startWithCheckpoints(JobDirectory dir, long epochs) throws Exception {
    dir.start(null);
    for (long e = 1; e <= epochs; e++) {
      commit(dir, e);
    }
  }

  /** Takes the lease over as a driver whose clock is past the current lease's expiry. */
  private static void takeOver(Path jobDir) throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    JobLease.builder().setFileSystem(fs).setJobDir(new org.apache.hadoop.fs.Path(jobDir.toUri()))
        .optHolder("newer-driver").optClock(Clock.offset(Clock.systemUTC(), Duration.ofHours(2))).build()
        .acquire(2);
  }

  @Test
  void aRunWhoseEventHistoryCannotBeOpenedLeavesTheJobFailedSayingWhyNotRunningWithoutADriver() throws Exception {
    Path jobDir = tmp.resolve("job");
    JobSpec spec = spec(jobDir);
    Files.createDirectories(jobDir);
    Files.writeString(jobDir.resolve("events"), "a file where the history's directory belongs");
    try (JobDirectory dir = JobDirectory.open(spec, new Configuration(), collecting(new ArrayList<>()), null)) {
      assertThatThrownBy(() -> dir.start(null)).isInstanceOf(IOException.class);
    }
    FileSystem fs = FileSystem.getLocal(new Configuration());
    io.epochal.job.JobStatus status = new io.epochal.job.JobStateStore(fs,
        new org.apache.hadoop.fs.Path(jobDir.toUri())).read().orElseThrow();
    assertThat(status.getState()).isEqualTo(io.epochal.job.JobState.FAILED);
    assertThat(status.getReason()).startsWith("STORAGE_UNAVAILABLE: not started: ");
  }

  @Test
  void aFailedMarkAStaleDriverWroteAfterThisOneTookTheLeaseDoesNotKeepTheJobFromCompleting() throws Exception {
    Path jobDir = tmp.resolve("job");
    JobSpec spec = spec(jobDir);
    List<String> warnings = new ArrayList<>();
    try (JobDirectory dir = JobDirectory.open(spec, new Configuration(), collecting(warnings), null)) {
      startWithCheckpoints(dir, 3);
      // the driver before, paused past its lease, checked its token before this one claimed and wrote after it
      new io.epochal.job.JobStateStore(FileSystem.getLocal(new Configuration()),
          new org.apache.hadoop.fs.Path(jobDir.toUri())).transition(io.epochal.job.JobState.FAILED, 1,
          "INTERRUPTED: its JVM shut down");
      dir.complete();
    }
    io.epochal.job.JobStatus status = new io.epochal.job.JobStateStore(FileSystem.getLocal(new Configuration()),
        new org.apache.hadoop.fs.Path(jobDir.toUri())).read().orElseThrow();
    assertThat(status.getState()).isEqualTo(io.epochal.job.JobState.COMPLETED);
    assertThat(warnings).anySatisfy(w -> assertThat(w).contains("a driver that had lost it marked it so"));
  }

  @Test
  void aCompletedJobReopenedByARunThatFailsBeforeChangingItIsCompletedAgainNotLeftRunning() throws Exception {
    Path jobDir = tmp.resolve("job");
    JobSpec spec = spec(jobDir);
    try (JobDirectory dir = JobDirectory.open(spec, new Configuration(), TrainingListener.NONE, null)) {
      startWithCheckpoints(dir, 3);
      dir.complete();
    }
    try (java.util.stream.Stream<Path> history = Files.walk(jobDir.resolve("events"))) {
      history.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    Files.writeString(jobDir.resolve("events"), "a file where the history's directory belongs");
    try (JobDirectory dir = JobDirectory.open(spec, new Configuration(), TrainingListener.NONE, null)) {
      assertThatThrownBy(() -> dir.start("reopened: job.json amended")).isInstanceOf(IOException.class);
    }
    io.epochal.job.JobStatus status = new io.epochal.job.JobStateStore(FileSystem.getLocal(new Configuration()),
        new org.apache.hadoop.fs.Path(jobDir.toUri())).read().orElseThrow();
    assertThat(status.getState()).isEqualTo(io.epochal.job.JobState.COMPLETED);
    assertThat(status.getReason()).startsWith("completed; attempt 2 reopened it and failed before changing it (");
  }

  @Test
  void aCommitThatBeginsAfterTheStopIsRefusedAndSaidOnceWhichEpochATrainingResumeTrainsAgain() throws Exception {
    Path jobDir = tmp.resolve("job");
    JobSpec spec = spec(jobDir);
    List<String> warnings = new ArrayList<>();
    TrainingListener listener = collecting(warnings);
    try (JobDirectory dir = JobDirectory.open(spec, new Configuration(), listener, null)) {
      dir.start(null);
      io.epochal.checkpoint.CommitGuard guard = dir.commitGuard();
      guard.checkBeforePublish(1); // before the stop: published
      assertThat(dir.beginStop()).isEmpty();
      for (int tries = 0; tries < 2; tries++) {
        assertThatThrownBy(() -> guard.checkBeforePublish(2)).isInstanceOf(IOException.class)
            .hasMessageContaining("the checkpoint of epoch 2 is not published");
      }
    }
    assertThat(warnings).containsExactly("the checkpoint of epoch 2 is not written: its commit began after the stop, "
        + "or had not reached its publish when the stop's wait ended; a resume trains epoch 2 again, unless the stop "
        + "keeps its rounds as a mid-epoch checkpoint (the stop's last message says)");
  }

  @Test
  void aCommitAfterAnotherDriverTookTheLeaseIsRefusedByTheGuardAndPublishesNothing() throws Exception {
    Path jobDir = tmp.resolve("job");
    JobSpec spec = spec(jobDir);
    try (JobDirectory dir = JobDirectory.open(spec, new Configuration(), TrainingListener.NONE, null)) {
      startWithCheckpoints(dir, 1);
      io.epochal.checkpoint.CommitGuard guard = dir.commitGuard();
      guard.checkBeforePublish(2); // still the holder
      takeOver(jobDir);
      assertThatThrownBy(() -> guard.checkBeforePublish(2)).isInstanceOf(io.epochal.job.LeaseLostException.class)
          .hasMessageContaining("newer-driver");
      assertThatThrownBy(() -> commit(dir, 2)).hasRootCauseInstanceOf(io.epochal.job.LeaseLostException.class);
    }
    assertThat(jobDir.resolve("checkpoints").resolve("epoch-000002")).doesNotExist();
    assertThat(jobDir.resolve("checkpoints").resolve("epoch-000001")).isDirectory();
  }

  @Test
  void aStopOfADriverWhoseJobAnotherDriverTookSaysSoAndNamesNoResume() throws Exception {
    Path jobDir = tmp.resolve("job");
    JobSpec spec = spec(jobDir);
    List<String> said = new ArrayList<>();
    TrainingListener listener = stopsSaid(said);
    List<Runnable> hooks = new ArrayList<>();
    StopHooks captured = new StopHooks() {
      @Override
      public void add(Runnable hook, int priority, long timeoutSeconds) {
        hooks.add(hook);
      }

      @Override
      public void remove(Runnable hook) {
      }
    };
    try (JobDirectory dir = JobDirectory.open(spec, new Configuration(), listener, null).withStopHooks(captured)) {
      dir.start(null);
      takeOver(jobDir);
      assertThat(hooks).hasSize(1);
      hooks.get(0).run(); // SIGTERM
      assertThat(dir.stopReported()).as("the training thread's report adds no resume of its own").isTrue();
    }
    assertThat(said).singleElement().satisfies(m -> assertThat(m).contains("is held by another driver now, which "
        + "continues it").doesNotContain("continue with"));
  }

  @Test
  void retentionDeletesNothingOnceAnotherDriverHoldsTheLease() throws Exception {
    Path jobDir = tmp.resolve("job");
    JobSpec spec = spec(jobDir);
    List<String> warnings = new ArrayList<>();
    TrainingListener listener = collecting(warnings);
    try (JobDirectory dir = JobDirectory.open(spec, new Configuration(), listener, null)) {
      startWithCheckpoints(dir, 3);
      takeOver(jobDir);
      dir.applyRetention(spec, listener);
      CheckpointStore store = dir.store();
      assertThat(store.list()).hasSize(3);
      assertThat(warnings).anySatisfy(w -> assertThat(w).contains("retention skipped")
          .contains("another driver holds the lease"));
    }
  }

  @Test
  void retentionKeepsADamagedCheckpointTheRunLeftInPlaceAndCountsItAsNoVerifiedOne() throws Exception {
    Path jobDir = tmp.resolve("job");
    JobSpec spec = spec(jobDir); // checkpoint.keep_last 1
    try (JobDirectory dir = JobDirectory.open(spec, new Configuration(), TrainingListener.NONE, null)) {
      startWithCheckpoints(dir, 3);
      // a mid-epoch checkpoint the run continues holds the state after it; no epoch after it is committed yet
      dir.damagedInPlace(2, dir.store().list().get(1).path());
      dir.applyRetention(spec, TrainingListener.NONE);
      assertThat(dir.store().list()).extracting(c -> c.epoch()).as("epoch 1 deleted, damaged epoch 2 kept as "
          + "unverified").containsExactly(2L, 3L);

      dir.event(JobEventType.RESUMED, 3, 0, "resumed after epoch 3"); // one resumed from is not one committed
      dir.applyRetention(spec, TrainingListener.NONE);
      assertThat(dir.store().list()).extracting(c -> c.epoch()).containsExactly(2L, 3L);
      // an epoch after it committed by this run: no resume continues the mid-epoch checkpoint any more
      dir.event(JobEventType.EPOCH_COMMITTED, 3, 0, "committed");
      List<String> warnings = new ArrayList<>();
      dir.applyRetention(spec, collecting(warnings));
      assertThat(dir.store().list()).extracting(c -> c.epoch()).as("moved aside, not left for a later run's "
          + "retention to take for intact").containsExactly(3L);
      assertThat(warnings).anySatisfy(w -> assertThat(w).startsWith("moved damaged checkpoint ")
          .contains("epoch-000002 aside to ").endsWith(": epoch 3 is committed after it"));
      try (java.util.stream.Stream<Path> left = Files.list(jobDir.resolve("checkpoints"))) {
        assertThat(left.map(p -> p.getFileName().toString())).anySatisfy(n -> assertThat(n)
            .startsWith("_damaged-epoch-000002-"));
      }
    }
  }

  @Test
  void retentionStopsDeletingOnceAnotherDriverTakesTheLeaseBetweenTwoDeletions() throws Exception {
    Path jobDir = tmp.resolve("job");
    JobSpec spec = spec(jobDir);
    List<String> warnings = new ArrayList<>();
    TrainingListener listener = collecting(warnings);
    try (JobDirectory dir = JobDirectory.open(spec, new Configuration(), listener, null)) {
      startWithCheckpoints(dir, 3);
      int[] checks = {0};
      // the lease is ours for the first check and the first deletion, then another driver's
      JobRetention.HolderCheck holder = () -> ++checks[0] <= 2;
      new JobRetention(dir.store(), new org.apache.hadoop.fs.Path(jobDir.toUri()), listener).apply(spec, holder,
          List.of());
      assertThat(dir.store().list()).extracting(c -> c.epoch()).as("epoch 1 deleted, epoch 2 kept")
          .containsExactly(2L, 3L);
      assertThat(checks[0]).as("no lease read after the one that found it lost").isEqualTo(3);
      assertThat(warnings).anySatisfy(w -> assertThat(w).startsWith("retention stopped: another driver holds the "
          + "lease on ").contains("the checkpoint of epoch 2 (checkpoint.keep_last 1").endsWith("is kept")
          .doesNotContain("tried again"));
    }
  }

  /** What the shutdown hook does on SIGTERM. */
  private static void stopBySignal(JobDirectory dir) {
    dir.beginStop();
    assertThat(dir.recordStop(FailureReason.INTERRUPTED, "stopped by a test", dir.position())).isPresent();
  }

  private static io.epochal.job.JobState stateOf(Path jobDir) throws IOException {
    return new io.epochal.job.JobStateStore(FileSystem.getLocal(new Configuration()),
        new org.apache.hadoop.fs.Path(jobDir.toUri())).read().orElseThrow().getState();
  }

  @Test
  void aStopBeforeAnAmendmentOfTheEpochsIsWrittenJudgesCompletionByTheEpochsJobJsonHolds() throws Exception {
    Path jobDir = tmp.resolve("job");
    JobSpec three = spec(jobDir);
    try (JobDirectory dir = JobDirectory.open(three, new Configuration(), TrainingListener.NONE, null)) {
      startWithCheckpoints(dir, 2); // then killed
    }
    io.epochal.job.JobSpec stored = new io.epochal.job.JobSpecStore(FileSystem.getLocal(new Configuration()),
        new org.apache.hadoop.fs.Path(jobDir.toUri())).read().orElseThrow();
    JobSpec two = withEpochs(2);
    // resume --epochs 2, stopped (Ctrl-C) while it loads the data, before it writes job.json: a later resume trains
    // the 3 epochs job.json holds, so the job is not COMPLETED
    assertThat(stopAResumeAfterEpoch2(two, stored, jobDir, false)).isEqualTo(io.epochal.job.JobState.FAILED);
    // the same stop once the amendment is written: epoch 2 is its last
    assertThat(stopAResumeAfterEpoch2(two, stored, jobDir, true)).isEqualTo(io.epochal.job.JobState.COMPLETED);
  }

  /** The job's state after a resume of {@code spec} from epoch 2, stopped before or after it amended job.json. */
  private static io.epochal.job.JobState stopAResumeAfterEpoch2(JobSpec spec, io.epochal.job.JobSpec stored,
      Path jobDir, boolean amended) throws Exception {
    try (JobDirectory dir = JobDirectory.open(spec, new Configuration(), TrainingListener.NONE, stored)) {
      dir.start(null);
      dir.event(JobEventType.RESUMED, 2, 0, "resumed after epoch 2");
      if (amended) {
        dir.applyAmendment(2);
      }
      stopBySignal(dir);
    }
    return stateOf(jobDir);
  }

  @Test
  void moreEpochsAreInTheHistoryBeforeJobJsonChangesSoAnEarlyStoppedJobsExtensionIsNeverLost() throws Exception {
    Path jobDir = tmp.resolve("job");
    JobSpec three = spec(jobDir);
    try (JobDirectory dir = JobDirectory.open(three, new Configuration(), TrainingListener.NONE, null)) {
      startWithCheckpoints(dir, 3);
      dir.complete();
    }
    FileSystem fs = FileSystem.getLocal(new Configuration());
    org.apache.hadoop.fs.Path hadoopDir = new org.apache.hadoop.fs.Path(jobDir.toUri());
    io.epochal.job.JobSpecStore specs = new io.epochal.job.JobSpecStore(fs, hadoopDir);
    io.epochal.job.JobSpec stored = specs.read().orElseThrow();
    JobSpec six = withEpochs(6);
    try (JobDirectory dir = JobDirectory.open(six, new Configuration(), TrainingListener.NONE, stored)) {
      dir.start("reopened: more epochs");
      // job.json is replaced under the run (the write after the history's fails): the extension is recorded first
      String json = Files.readString(jobDir.resolve("job.json"));
      Files.writeString(jobDir.resolve("job.json"), json.replace("\"lease.ttl_ms\" : 60000",
          "\"lease.ttl_ms\" : 60001"));
      assertThatThrownBy(() -> dir.applyAmendment(3)).isInstanceOf(io.epochal.job.JobSpecMismatchException.class);
    }
    // recorded, then taken back: job.json still holds 3, so the job is not extended
    assertThat(new JobEventLog(fs, hadoopDir).readAll()).filteredOn(e -> e.getType() == JobEventType.AMENDED)
        .extracting(JobEvent::getMessage).hasSize(2)
        .satisfies(m -> assertThat(m.get(0)).contains("train.epochs: 3 -> 6"))
        .satisfies(m -> assertThat(m.get(1)).contains("train.epochs: 6 -> 3 (taken back: the amendment above was "
            + "not written to job.json, which keeps train.epochs 3"));
    assertThat(EarlyStopping.epochsExtendedAfter(fs, hadoopDir, 3)).isFalse();
    // written: the history holds the extension
    Files.writeString(jobDir.resolve("job.json"), Files.readString(jobDir.resolve("job.json"))
        .replace("\"lease.ttl_ms\" : 60001", "\"lease.ttl_ms\" : 60000"));
    try (JobDirectory dir = JobDirectory.open(six, new Configuration(), TrainingListener.NONE, stored)) {
      dir.start("reopened: more epochs");
      dir.applyAmendment(3);
    }
    assertThat(EarlyStopping.epochsExtendedAfter(fs, hadoopDir, 3)).isTrue();
    assertThat(specs.read().orElseThrow().getHyperParameters().getLong("train.epochs")).isEqualTo(6);
    // a later extension that cannot be written takes back only itself: the one before stands
    io.epochal.job.JobSpec atSix = specs.read().orElseThrow();
    JobSpec nine = withEpochs(9);
    try (JobDirectory dir = JobDirectory.open(nine, new Configuration(), TrainingListener.NONE, atSix)) {
      dir.start("reopened: more epochs");
      Files.writeString(jobDir.resolve("job.json"), Files.readString(jobDir.resolve("job.json"))
          .replace("\"lease.ttl_ms\" : 60000", "\"lease.ttl_ms\" : 60001"));
      assertThatThrownBy(() -> dir.applyAmendment(3)).isInstanceOf(io.epochal.job.JobSpecMismatchException.class);
    }
    assertThat(new JobEventLog(fs, hadoopDir).readAll()).filteredOn(e -> e.getType() == JobEventType.AMENDED)
        .last().satisfies(e -> assertThat(e.getMessage()).contains("train.epochs: 9 -> 6 (taken back"));
    assertThat(EarlyStopping.epochsExtendedAfter(fs, hadoopDir, 3)).isTrue();
  }

  @Test
  void aLeaseThatCannotBeReleasedAfterTheJobCompletedIsAWarningNotAFailureOfTheRun() throws Exception {
    Path jobDir = tmp.resolve("job");
    List<String> warnings = new ArrayList<>();
    TrainingListener listener = new TrainingListener() {
      @Override
      public void warning(String message) {
        warnings.add(message);
      }
    };
    JobDirectory dir = JobDirectory.open(spec(jobDir), new Configuration(), listener, null);
    startWithCheckpoints(dir, 3);
    dir.complete();
    Files.delete(jobDir.resolve("lease.json")); // a directory where the released lease is written: its write fails
    Files.createDirectories(jobDir.resolve("lease.json").resolve("in-the-way"));
    dir.close();
    assertThat(warnings).anySatisfy(w -> assertThat(w).contains("cannot release the lease of ")
        .contains("it expires by itself within lease.ttl_ms = 60000 ms"));
    assertThat(stateOf(jobDir)).isEqualTo(io.epochal.job.JobState.COMPLETED);
  }

  @Test
  void aStopWhileAFinishedJobIsReopenedOnlyToAmendItLeavesItCompleted() throws Exception {
    Path jobDir = tmp.resolve("job");
    JobSpec spec = spec(jobDir);
    try (JobDirectory dir = JobDirectory.open(spec, new Configuration(), TrainingListener.NONE, null)) {
      startWithCheckpoints(dir, 3);
      dir.complete();
    }
    try (JobDirectory dir = JobDirectory.open(spec, new Configuration(), TrainingListener.NONE, null)) {
      dir.publishedUpTo(3); // as FinishedJob.amend says before it starts
      dir.start("reopened: job.json amended");
      stopBySignal(dir);
    }
    assertThat(stateOf(jobDir)).isEqualTo(io.epochal.job.JobState.COMPLETED);
  }

  @Test
  void retentionDeletesNothingAfterTheStopGaveTheJobUp() throws Exception {
    Path jobDir = tmp.resolve("job");
    JobSpec spec = spec(jobDir);
    List<String> warnings = new ArrayList<>();
    TrainingListener listener = collecting(warnings);
    try (JobDirectory dir = JobDirectory.open(spec, new Configuration(), listener, null)) {
      startWithCheckpoints(dir, 3);
      dir.beginStop();
      assertThat(dir.recordStop(FailureReason.INTERRUPTED, "stopped by a test", dir.position())).isPresent();
      // a commit that was renamed into place after the stop's wait ended runs its retention now
      dir.applyRetention(spec, listener);
      assertThat(dir.store().list()).hasSize(3);
      assertThat(warnings).anySatisfy(w -> assertThat(w).contains("retention skipped")
          .contains("given up at the stop"));
    }
  }

  @Test
  void retentionRunsWhileThisDriverHoldsTheLeaseAndRecordsItsDeletionsInTheHistory() throws Exception {
    Path jobDir = tmp.resolve("job");
    JobSpec spec = spec(jobDir);
    try (JobDirectory dir = JobDirectory.open(spec, new Configuration(), TrainingListener.NONE, null)) {
      dir.start(null);
      for (long e = 1; e <= 3; e++) {
        commit(dir, e);
        dir.event(JobEventType.EPOCH_COMMITTED, e, 0, "committed");
      }
      dir.applyRetention(spec, TrainingListener.NONE);
      assertThat(dir.store().list()).extracting(c -> c.epoch()).containsExactly(3L);
      dir.applyRetention(spec, TrainingListener.NONE); // nothing left to delete: nothing recorded
    }
    FileSystem fs = FileSystem.getLocal(new Configuration());
    List<JobEvent> deletions = new JobEventLog(fs, new org.apache.hadoop.fs.Path(jobDir.toUri())).readAll().stream()
        .filter(e -> e.getType() == JobEventType.CHECKPOINTS_DELETED).toList();
    assertThat(deletions).singleElement().satisfies(e -> {
      assertThat(e.getEpoch()).isEqualTo(3);
      assertThat(e.getMessage()).isEqualTo("retention deleted the checkpoints of epochs 1, 2 "
          + "(checkpoint.keep_last 1, keep_every 0, keep_best 0)");
    });
  }

  @Test
  void retentionOfARunThatCommittedNothingRecordsItsDeletionsAtTheNewestEpochNotZero() throws Exception {
    Path jobDir = tmp.resolve("job");
    JobSpec spec = spec(jobDir);
    try (JobDirectory dir = JobDirectory.open(spec, new Configuration(), TrainingListener.NONE, null)) {
      dir.start(null);
      for (long e = 1; e <= 2; e++) {
        commit(dir, e); // published by an earlier run: no event of this one names them
      }
      dir.applyRetention(spec, TrainingListener.NONE);
    }
    FileSystem fs = FileSystem.getLocal(new Configuration());
    assertThat(new JobEventLog(fs, new org.apache.hadoop.fs.Path(jobDir.toUri())).readAll().stream()
        .filter(e -> e.getType() == JobEventType.CHECKPOINTS_DELETED)).singleElement()
        .satisfies(e -> assertThat(e.getEpoch()).isEqualTo(2));
  }

  @Test
  void aStartThatCannotWriteTheJobsStateGivesTheLeaseUpSoTheNextDriverStartsAtOnce() throws Exception {
    Path jobDir = tmp.resolve("job");
    JobSpec spec = spec(jobDir);
    // state.json cannot be replaced while a non-empty directory has its name (as on a full disk)
    Files.createDirectories(jobDir.resolve("state.json/blocker"));
    try (JobDirectory dir = JobDirectory.open(spec, new Configuration(), TrainingListener.NONE, null)) {
      assertThatThrownBy(() -> dir.start(null)).isInstanceOf(java.io.IOException.class);
      // given up by the failed start itself, not only when the directory is closed
      FileSystem fs = FileSystem.getLocal(new Configuration());
      assertThat(JobLease.builder().setFileSystem(fs).setJobDir(new org.apache.hadoop.fs.Path(jobDir.toUri()))
          .optHolder("observer").build().current()).hasValueSatisfying(r -> assertThat(r.isReleased()).isTrue());
    }
    Files.delete(jobDir.resolve("state.json/blocker"));
    Files.delete(jobDir.resolve("state.json"));
    try (JobDirectory dir = JobDirectory.open(spec, new Configuration(), TrainingListener.NONE, null)) {
      dir.start(null); // no LeaseHeldException: the first driver's lease was given up
    }
  }

  @Test
  void aDriverThatLostTheLeaseAfterItsFinalCommitLeavesTheJobsStateToTheNewHolder() throws Exception {
    Path jobDir = tmp.resolve("job");
    JobSpec spec = spec(jobDir);
    List<String> warnings = new ArrayList<>();
    try (JobDirectory dir = JobDirectory.open(spec, new Configuration(), collecting(warnings), null)) {
      startWithCheckpoints(dir, 3);
      takeOver(jobDir); // this driver was paused past its lease's expiry after the final commit
      dir.complete();
    }
    assertThat(warnings).anySatisfy(w -> assertThat(w).contains("not marking").contains("COMPLETED")
        .contains("another driver holds its lease now"));
    FileSystem fs = FileSystem.getLocal(new Configuration());
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(jobDir.toUri());
    assertThat(new io.epochal.job.JobStateStore(fs, dir).read().orElseThrow().getState())
        .isEqualTo(io.epochal.job.JobState.RUNNING);
    assertThat(new JobEventLog(fs, dir).readAll()).noneMatch(e -> e.getType() == JobEventType.COMPLETED);
  }

  @Test
  void aDriverThatLostTheLeaseBeforeItsEarlyStopLeavesTheNewHoldersEpochsInJobJson() throws Exception {
    Path jobDir = tmp.resolve("job");
    JobSpec spec = spec(jobDir);
    List<String> warnings = new ArrayList<>();
    try (JobDirectory dir = JobDirectory.open(spec, new Configuration(), collecting(warnings), null)) {
      startWithCheckpoints(dir, 2);
      takeOver(jobDir); // paused past its lease's expiry; the new holder trains all 3 epochs
      TrainingOutcome stopped = new TrainingOutcome(2, 2, 8, StateDict.empty(), jobDir + "/checkpoints", List.of(), 0,
          0).withEarlyStop("train_loss did not improve for 1 epoch");
      assertThatThrownBy(() -> TrainingJob.end(dir, stopped, 0, collecting(warnings)))
          .isInstanceOfSatisfying(TrainingException.class, e -> assertThat(e.reason())
              .isEqualTo(FailureReason.LEASE_LOST)).hasMessageContaining("the new holder continues the job");
    }
    FileSystem fs = FileSystem.getLocal(new Configuration());
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(jobDir.toUri());
    assertThat(new io.epochal.job.JobSpecStore(fs, dir).read().orElseThrow().getHyperParameters()
        .getLong("train.epochs")).as("job.json as the new holder has it").isEqualTo(3);
    assertThat(warnings).anySatisfy(w -> assertThat(w).startsWith("not amending train.epochs of " + spec.jobDirText()
        + " to 2 (stopped early: train_loss did not improve for 1 epoch): another driver holds its lease now"));
    assertThat(new JobEventLog(fs, dir).readAll()).noneMatch(e -> e.getType() == JobEventType.AMENDED);
    assertThat(warnings).as("epoch 3 is the new holder's to train").noneMatch(w -> w.contains("every epoch is "
        + "committed"));
  }

  @Test
  void confirmingTheLeaseBeforeARetryFailsAsLeaseLostAfterATakeover() throws Exception {
    Path jobDir = tmp.resolve("job");
    try (JobDirectory dir = JobDirectory.open(spec(jobDir), new Configuration(), TrainingListener.NONE, null)) {
      dir.start(null);
      dir.confirmLease();
      takeOver(jobDir);
      assertThatThrownBy(dir::confirmLease).isInstanceOfSatisfying(TrainingException.class,
          e -> assertThat(e.reason()).isEqualTo(FailureReason.LEASE_LOST))
          .hasMessageContaining("the new holder continues the job");
    }
  }

  @Test
  void theStartedEventNamesTheDriverWhoseExpiredLeaseItTookOver() throws Exception {
    Path jobDir = tmp.resolve("job");
    JobSpec spec = spec(jobDir);
    FileSystem fs = FileSystem.getLocal(new Configuration());
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(jobDir.toUri());
    // a driver that died holding the lease: its lease expired an hour ago
    JobLease.builder().setFileSystem(fs).setJobDir(dir).optHolder("killed-driver")
        .optClock(Clock.offset(Clock.systemUTC(), Duration.ofHours(-2))).build().acquire(1);
    try (JobDirectory d = JobDirectory.open(spec, new Configuration(), TrainingListener.NONE, null)) {
      d.start(null);
    }
    List<JobEvent> events = new JobEventLog(fs, dir).readAll();
    assertThat(events).anySatisfy(e -> assertThat(e.getMessage()).contains("took the lease with token 2 from "
        + "killed-driver (token 1), whose lease expired at ").contains("without a release"));
  }

  @Test
  void aStartThatTheJvmsShutdownOvertakesMarksTheJobFailedAsInterruptedAndReleasesTheLease() throws Exception {
    Path jobDir = tmp.resolve("job");
    JobSpec spec = spec(jobDir);
    List<String> said = new ArrayList<>();
    TrainingListener listener = stopsSaid(said);
    StopHooks shuttingDown = new StopHooks() {
      @Override
      public void add(Runnable hook, int priority, long timeoutSeconds) {
        throw new IllegalStateException("Shutdown in progress, cannot add a shutdownHook");
      }

      @Override
      public void remove(Runnable hook) {
        throw new IllegalStateException("Shutdown in progress, cannot remove a shutdownHook");
      }
    };
    try (JobDirectory dir = JobDirectory.open(spec, new Configuration(), listener, null).withStopHooks(shuttingDown)) {
      assertThatThrownBy(() -> dir.start(null)).isInstanceOf(IOException.class)
          .hasMessageContaining("began to shut down").hasMessageContaining("given up before training");
    }
    FileSystem fs = FileSystem.getLocal(new Configuration());
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(jobDir.toUri());
    io.epochal.job.JobStatus status = new io.epochal.job.JobStateStore(fs, dir).read().orElseThrow();
    assertThat(status.getState()).as("not RUNNING with no driver").isEqualTo(io.epochal.job.JobState.FAILED);
    assertThat(status.getReason()).startsWith("INTERRUPTED: ");
    assertThat(new JobEventLog(fs, dir).readAll()).extracting(JobEvent::getType)
        .containsExactly(io.epochal.job.JobEventType.STARTED, io.epochal.job.JobEventType.FAILURE);
    assertThat(JobLease.builder().setFileSystem(fs).setJobDir(dir).build().current().orElseThrow().isReleased())
        .isTrue();
    assertThat(said).singleElement().satisfies(m -> assertThat(m).contains("is marked FAILED (INTERRUPTED)",
        "No epoch was committed yet", "continue with: "));
  }

  /** A listener that adds every warning to {@code warnings}. */
  /** A listener that collects what the stop says. */
  private static TrainingListener stopsSaid(List<String> said) {
    return new TrainingListener() {
      @Override
      public void stopped(String message) {
        said.add(message);
      }
    };
  }

  private static TrainingListener collecting(List<String> warnings) {
    return new TrainingListener() {
      @Override
      public void warning(String message) {
        warnings.add(message);
      }
    };
  }
}
