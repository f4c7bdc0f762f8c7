package io.epochal.driver.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.epochal.checkpoint.LoadedCheckpoint;
import io.epochal.job.JobEvent;
import io.epochal.job.JobEventType;
import io.epochal.job.JobState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver dies by SIGKILL (no shutdown hook, no lease release, no cleanup) while it trains in
 * its own JVM, and {@code epochal resume} (another JVM) finishes the job. The determinism contract
 * says the result equals an uninterrupted run bit for bit: model and optimizer tensors of the last
 * checkpoint are compared with a reference run of the same spec in another job directory.
 *
 * <p>The dead driver's lease stays live until its {@code lease.ttl_ms} passes; the spec uses a
 * short one (6 s, renewed every 2 s), and a resume started right after the kill waits for its
 * expiry itself, as one an operator starts after a crash does.
 *
 * <p>The moments of the mid-epoch kills (a round of the epoch, found in the driver's progress
 * output, plus a few milliseconds) come from a seeded {@link Random}; set
 * {@code -Depochal.test.kill.seed=N} to vary them. Each kill is printed with its seed and moment.
 */
class DriverKillTest {

  private static final int EPOCHS = 4;
  /** Rounds per epoch: 1024 rows per worker, batches of 32, 4 local steps per round. */
  private static final int ROUNDS = 8;
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(6);

  @TempDir
  static Path shared;

  private static EpochalCommands cli;
  private static Path data;
  private static LoadedCheckpoint reference;
  private static JobDirWatch referenceDir;

  @BeforeAll
  static void generateDataAndTrainWithoutInterruption() throws Exception {
    cli = EpochalCommands.onClasspath(ChildJvm.testClasspath(), shared);
    data = shared.resolve("data");
    cli.run("gen-data", RUN_TIMEOUT, "gen-data", data.toString(), "--rows", "2048", "--features", "16",
        "--classes", "4", "--seed", "5").assertOk();
    JobDirWatch ref = new JobDirWatch(shared.resolve("reference"));
    cli.run("train-reference", RUN_TIMEOUT, "train", writeSpec("reference", ref.dir()).toString()).assertOk();
    ref.assertEveryCheckpointVerifies();
    reference = ref.load(EPOCHS);
    referenceDir = ref;
  }

  @Test
  void killedRightAfterACheckpointIsPublishedThenResumedEndsBitIdenticalToUninterruptedRun() throws Exception {
    JobDirWatch job = new JobDirWatch(shared.resolve("killed-between-epochs"));
    try (ChildJvm driver = cli.startTrain("train-between-epochs", writeSpec("between-epochs", job.dir()))) {
      job.awaitCheckpoint(2, driver, RUN_TIMEOUT);
      assertThat(driver.isAlive()).as("%s runs when the checkpoint of epoch 2 appears", driver).isTrue();
      driver.kill();
    }
    long latest = inspectAfterKill(job, "after the kill right after epoch 2");
    assertThat(latest).as("newest checkpoint after the kill right after epoch 2").isBetween(2L, EPOCHS - 1L);

    resumeAndCompare(job, "resume-between-epochs", List.of(latest));
  }

  @Test
  void killedAtRandomMomentsMidEpochThenResumedEndsBitIdenticalToUninterruptedRun() throws Exception {
    long seed = Long.getLong("epochal.test.kill.seed", 1L);
    Random random = new Random(seed);
    JobDirWatch job = new JobDirWatch(shared.resolve("killed-mid-epoch-" + seed));
    Path spec = writeSpec("mid-epoch-" + seed, job.dir());
    List<Long> resumedFrom = new ArrayList<>();
    long latest = 0;
    int kill = 0;
    // Each driver publishes one checkpoint of its own, then dies in the epoch after it, after a
    // random round and a random few milliseconds; the next one resumes. Until no epoch is left to
    // die in.
    while (latest + 2 <= EPOCHS) {
      kill++;
      String name = "mid-epoch-" + seed + "-run-" + kill;
      if (kill > 1) {
        resumedFrom.add(latest); // started at once: the resume itself waits for the dead driver's lease to expire
      }
      long epoch = latest + 2;
      int round = 1 + random.nextInt(ROUNDS - 2);
      int extraMs = random.nextInt(40);
      try (ChildJvm driver = kill == 1 ? cli.startTrain(name, spec)
          : cli.start(name, "resume", job.dir().toString())) {
        job.awaitCheckpoint(latest + 1, driver, RUN_TIMEOUT);
        driver.awaitOutput("epoch " + epoch + "/" + EPOCHS + " round " + round + "/" + ROUNDS, RUN_TIMEOUT);
        Thread.sleep(extraMs);
        assertThat(driver.isAlive()).as("%s runs in epoch %d:%n%s", driver, epoch, driver.logTail(40)).isTrue();
        driver.kill();
      }
      System.out.printf("DriverKillTest: seed %d, kill %d: SIGKILL in epoch %d, %d ms after round %d of %d%n", seed,
          kill, epoch, extraMs, round, ROUNDS);
      latest = inspectAfterKill(job, "after kill " + kill + " (seed " + seed + ")");
      assertThat(latest).as("newest checkpoint after kill %d in epoch %d", kill, epoch).isBetween(epoch - 1, epoch);
    }
    resumedFrom.add(latest);

    resumeAndCompare(job, "mid-epoch-" + seed + "-resume", resumedFrom);
  }

  @Test
  void stoppedBySigtermTheDriverReleasesItsLeaseAndMarksTheJobSoResumeContinuesAtOnceBitIdentical()
      throws Exception {
    JobDirWatch job = new JobDirWatch(shared.resolve("sigterm"));
    // a lease far longer than the test: only a released lease lets the resume in without waiting
    Path spec = writeSpec("sigterm", job.dir(), Duration.ofMinutes(30).toMillis());
    String stopped;
    try (ChildJvm driver = cli.startTrain("train-sigterm", spec)) {
      job.awaitCheckpoint(1, driver, RUN_TIMEOUT);
      driver.awaitOutput("epoch 2/" + EPOCHS + " round 3/" + ROUNDS, RUN_TIMEOUT);
      int code = driver.terminate(Duration.ofSeconds(60));
      assertThat(code).as("exit code after SIGTERM:%n%s", driver.logTail(30)).isEqualTo(128 + 15);
      stopped = driver.output();
      assertThat(stopped).contains("is marked FAILED (INTERRUPTED) and its lease is released")
          .doesNotContain("reloading the newest verified checkpoint");
      // one stop, said once, with the command as this driver was launched (its master)
      assertThat(stopped).containsOnlyOnce("continue with:").containsOnlyOnce("INTERRUPTED")
          .contains("continue with: bin/epochal --master 'local[2]' resume file://" + job.dir().toAbsolutePath())
          .doesNotContain(io.epochal.driver.cli.EpochalCli.STOPPED);
    }
    assertThat(job.status()).as("state of %s after SIGTERM", job).hasValueSatisfying(s -> {
      assertThat(s.getState()).isEqualTo(JobState.FAILED);
      assertThat(s.getReason()).startsWith("INTERRUPTED");
    });
    assertThat(job.events()).filteredOn(e -> "INTERRUPTED".equals(e.getReason())).singleElement().satisfies(e -> {
      assertThat(e.getEpoch()).as("the epoch the stop came in").isBetween(2L, (long) EPOCHS);
      assertThat(e.getRound()).as("the round the stop came in").isBetween(1, ROUNDS);
      assertThat(e.getMessage()).contains("in epoch " + e.getEpoch() + " round " + e.getRound());
    });
    long latest = inspectAfterKill(job, "after SIGTERM in epoch 2");
    java.util.regex.Matcher kept = java.util.regex.Pattern.compile("Every checkpoint committed is kept, the newest of "
        + "epoch (\\d+)").matcher(stopped);
    assertThat(kept.find()).as("the stop names the newest checkpoint: %s", stopped).isTrue();
    // a commit published in the instant before the stop may not have reached the driver's history yet
    assertThat(Long.parseLong(kept.group(1))).isBetween(latest - 1, latest);

    resumeAndCompare(job, "resume-after-sigterm", List.of(latest), false);
  }

  /**
   * A SIGTERM that comes while a checkpoint is being written (its data files written, its manifest
   * and publish still to come; {@link SlowCommitFileSystem} holds the commit there for seconds)
   * lets that checkpoint publish before the driver gives the job up: the epoch is kept, not trained
   * again, and the resume continues after it, bit-identical.
   */
  @Test
  void stoppedBySigtermWhileACheckpointIsWrittenTheDriverPublishesItFirstAndResumeContinuesAfterItBitIdentical()
      throws Exception {
    JobDirWatch job = new JobDirWatch(shared.resolve("sigterm-in-commit"));
    Path marker = shared.resolve("sigterm-in-commit.started");
    List<String> slow = SlowCommitFileSystem.options(2, 10_000, marker);
    String uri = io.epochal.checkpoint.OtherSchemeFileSystem.uri(job.dir());
    Path spec = writeSpec("sigterm-in-commit", uri, Duration.ofMinutes(30).toMillis());
    String stopped;
    try (ChildJvm driver = cli.start("train-sigterm-in-commit", with(slow, "train", spec.toString()))) {
      awaitFile(marker, driver, "the commit of epoch 2");
      int code = driver.terminate(Duration.ofSeconds(60));
      assertThat(code).as("exit code after SIGTERM:%n%s", driver.logTail(30)).isEqualTo(128 + 15);
      stopped = driver.output();
    }
    assertThat(stopped).contains("stopping: the checkpoint of epoch 2 is being written; waiting up to",
        "is marked FAILED (INTERRUPTED) and its lease is released",
        "Every checkpoint committed is kept, the newest of epoch 2").doesNotContain("was not published within");
    assertThat(job.status()).as("state of %s after SIGTERM", job).hasValueSatisfying(s -> {
      assertThat(s.getState()).isEqualTo(JobState.FAILED);
      assertThat(s.getReason()).startsWith("INTERRUPTED");
    });
    assertThat(inspectAfterKill(job, "after SIGTERM during the commit of epoch 2")).isEqualTo(2L);

    cli.run("resume-sigterm-in-commit", RUN_TIMEOUT, with(slow, "resume", uri)).assertOk();
    compareResumed(job, List.of(2L));
  }

  /**
   * A SIGTERM while the final checkpoint is being written: it is published, and the job, every
   * epoch of it done, is marked COMPLETED rather than FAILED; bit-identical to the uninterrupted run.
   */
  @Test
  void stoppedBySigtermWhileTheFinalCheckpointIsWrittenTheJobEndsCompletedBitIdentical() throws Exception {
    JobDirWatch job = new JobDirWatch(shared.resolve("sigterm-in-final-commit"));
    Path marker = shared.resolve("sigterm-in-final-commit.started");
    List<String> slow = SlowCommitFileSystem.options(EPOCHS, 10_000, marker);
    Path spec = writeSpec("sigterm-in-final-commit", io.epochal.checkpoint.OtherSchemeFileSystem.uri(job.dir()),
        Duration.ofMinutes(30).toMillis());
    String stopped;
    try (ChildJvm driver = cli.start("train-sigterm-in-final-commit", with(slow, "train", spec.toString()))) {
      awaitFile(marker, driver, "the commit of epoch " + EPOCHS);
      assertThat(driver.terminate(Duration.ofSeconds(60))).as("exit code after SIGTERM:%n%s", driver.logTail(30))
          .isEqualTo(128 + 15);
      stopped = driver.output();
    }
    assertThat(stopped).contains("stopping: the checkpoint of epoch " + EPOCHS + " is being written",
        "after the final checkpoint (epoch " + EPOCHS + ") was published", "is marked COMPLETED and its lease is "
        + "released");
    compareResumed(job, List.of());
  }

  /** Waits for {@code marker}, which a {@link SlowCommitFileSystem} writes when the commit it slows starts. */
  private static void awaitFile(Path marker, ChildJvm driver, String what) throws InterruptedException {
    long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
    while (!Files.exists(marker)) {
      assertThat(driver.isAlive()).as("%s runs until %s starts:%n%s", driver, what, driver.logTail(40)).isTrue();
      assertThat(System.nanoTime()).as("%s started in time", what).isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  private static String[] with(List<String> options, String... args) {
    List<String> all = new ArrayList<>(options);
    all.addAll(List.of(args));
    return all.toArray(String[]::new);
  }

  @Test
  void aCompletedJobWhoseFinalCheckpointIsTruncatedIsRetrainedByResumeAllAndEndsBitIdenticalToUninterruptedRun()
      throws Exception {
    Path root = shared.resolve("resume-all");
    JobDirWatch job = new JobDirWatch(root.resolve("truncated-final"));
    cli.run("train-truncated-final", RUN_TIMEOUT, "train", writeSpec("truncated-final", job.dir()).toString())
        .assertOk();
    Path data;
    try (var files = Files.list(job.manifest(EPOCHS).getParent())) {
      data = files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).findFirst().orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(data);
    Files.write(data, java.util.Arrays.copyOf(bytes, bytes.length / 2));

    EpochalCommands.Finished resumed = cli.run("resume-all", RUN_TIMEOUT, "resume", "--all", root.toString())
        .assertOk();

    assertThat(resumed.output()).contains("final epoch " + EPOCHS + " is damaged").contains("reopens it")
        .contains("1 resumed, 0 failed");
    String out = resumed.output();
    String done = "[truncated-final] " + EPOCHS + " of " + EPOCHS + " epochs done (1 in this run";
    assertThat(out).contains(done);
    assertThat(out.indexOf("resume summary:")).as("the summary follows the job's output:%n%s", out)
        .isGreaterThan(out.indexOf(done));
    assertThat(out.split("warning: skipping damaged checkpoint epoch " + EPOCHS, -1))
        .as("the reopened job's checkpoints are searched (read, hashed, probed) once:%n%s", out).hasSize(2);
    List<Long> resumes = job.events().stream().filter(e -> e.getType() == JobEventType.RESUMED)
        .map(JobEvent::getEpoch).toList();
    assertThat(resumes).as("epochs the resumes of %s started after", job).containsExactly(EPOCHS - 1L);
    assertThat(job.status()).as("state of %s", job).hasValueSatisfying(
        s -> assertThat(s.getState()).isEqualTo(JobState.COMPLETED));
    assertThat(job.temporaryDirs()).as("temporary directories left in %s", job).isEmpty();
    job.assertEveryCheckpointVerifies();
    BitIdentical.assertSameTrainingState(reference, job.load(EPOCHS));
  }

  @Test
  void aRootOfJobsMovedElsewhereIsContinuedByResumeAllWithRelocateAndEndsBitIdenticalToUninterruptedRun()
      throws Exception {
    JobDirWatch before = new JobDirWatch(shared.resolve("to-move"));
    // a lease far longer than the test: SIGTERM releases it, so the resume needs no wait
    Path spec = writeSpec("to-move", before.dir(), Duration.ofMinutes(30).toMillis());
    try (ChildJvm driver = cli.startTrain("train-to-move", spec)) {
      before.awaitCheckpoint(1, driver, RUN_TIMEOUT);
      driver.awaitOutput("epoch 2/" + EPOCHS + " round 2/" + ROUNDS, RUN_TIMEOUT);
      assertThat(driver.terminate(Duration.ofSeconds(60))).as("exit code after SIGTERM:%n%s", driver.logTail(30))
          .isEqualTo(128 + 15);
    }
    long latest = inspectAfterKill(before, "after SIGTERM before the move");
    Path root = Files.createDirectories(shared.resolve("moved-root"));
    JobDirWatch job = new JobDirWatch(Files.move(before.dir(), root.resolve("moved-job")));

    EpochalCommands.Finished plain = cli.run("resume-all-moved", RUN_TIMEOUT, "resume", "--all", root.toString());
    assertThat(plain.code()).as("resume --all without --relocate:%n%s", plain.output()).isEqualTo(1);
    assertThat(plain.output()).contains("1 unfinished job(s) moved here (or whose original location cannot be checked) wait to be resumed with --relocate");
    EpochalCommands.Finished resumed = cli.run("resume-all-relocate", RUN_TIMEOUT, "resume", "--all", "--relocate",
        root.toString()).assertOk();

    assertThat(resumed.output()).contains("moved here from ", "(--relocate rewrites its job.dir)",
        "[moved-job] resuming: bin/epochal resume file:///", "moved-job --relocate", "1 resumed, 0 failed");
    assertThat(job.storedKeys().getString("job.dir")).as("job.dir in the moved job's job.json")
        .startsWith("file:").endsWith("/moved-root/moved-job");
    resumeAndCompare(job, List.of(latest));
  }

  /**
   * What a reader sees in the job directory right after a kill: only published checkpoints (a
   * {@code _tmp-*} directory the dead driver left is never listed); returns the newest valid epoch.
   */
  private static long inspectAfterKill(JobDirWatch job, String when) throws Exception {
    List<String> temporary = job.temporaryDirs();
    List<Long> listed = job.assertStoreListsOnlyPublishedCheckpoints();
    long latest = job.latest().map(LoadedCheckpoint::epoch).orElse(0L);
    assertThat(listed).as("checkpoints the store lists %s", when).contains(latest);
    System.out.printf("DriverKillTest: %s: checkpoints %s, newest valid %d, temporary directories left %s%n", when,
        listed, latest, temporary);
    return latest;
  }

  /**
   * Resumes the killed job to its end and checks it: every resume started from the newest checkpoint
   * there was ({@code resumedFrom}, in order), no {@code _tmp-*} directory is left, every checkpoint
   * verifies, the job is COMPLETED, and the last checkpoint is bit-identical to the reference run's.
   */
  private static void resumeAndCompare(JobDirWatch job, String name, List<Long> resumedFrom) throws Exception {
    resumeAndCompare(job, name, resumedFrom, true);
  }

  /** The checks of {@link #resumeAndCompare} on a job that was resumed to its end already. */
  private static void resumeAndCompare(JobDirWatch job, List<Long> resumedFrom) throws Exception {
    compareResumed(job, resumedFrom);
  }

  /**
   * As above. The resume starts at once: after a kill it waits for the dead driver's lease itself,
   * as one started right after a crash does; without {@code awaitLease} (the lease was released) it
   * must not wait.
   */
  private static void resumeAndCompare(JobDirWatch job, String name, List<Long> resumedFrom, boolean awaitLease)
      throws Exception {
    EpochalCommands.Finished resumed = cli.run(name, RUN_TIMEOUT, "resume", job.dir().toAbsolutePath().toString())
        .assertOk();
    if (!awaitLease) {
      assertThat(resumed.output()).as("a released lease lets the resume in at once").doesNotContain("waiting up to");
    }
    compareResumed(job, resumedFrom);
  }

  private static void compareResumed(JobDirWatch job, List<Long> resumedFrom) throws Exception {

    List<Long> resumes = job.events().stream().filter(e -> e.getType() == JobEventType.RESUMED)
        .map(JobEvent::getEpoch).toList();
    assertThat(resumes).as("epochs the resumes of %s started after", job).isEqualTo(resumedFrom);
    assertThat(job.temporaryDirs()).as("temporary directories left in %s after the resume", job).isEmpty();
    assertThat(job.assertStoreListsOnlyPublishedCheckpoints()).contains((long) EPOCHS);
    job.assertEveryCheckpointVerifies();
    assertThat(job.status()).as("state of %s", job).hasValueSatisfying(
        s -> assertThat(s.getState()).isEqualTo(JobState.COMPLETED));

    try {
      BitIdentical.assertSameTrainingState(reference, job.load(EPOCHS));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\n" + whereItDiverged(job, resumedFrom), e);
    }
  }

  /**
   * For a final state that differs: whether the checkpoint before it (kept by {@code keep_last=2})
   * already differed, which tells the run that diverged first: the last resume, or an earlier run.
   */
  private static String whereItDiverged(JobDirWatch job, List<Long> resumedFrom) {
    long before = EPOCHS - 1;
    String verdict;
    try {
      BitIdentical.assertSameTrainingState(referenceDir.load(before), job.load(before));
      verdict = "epoch " + before + " is bit-identical to the reference's: the run that trained epoch " + EPOCHS
          + " diverged";
    } catch (AssertionError | Exception e) {
      verdict = "epoch " + before + " differs as well (an earlier run diverged): " + e.getMessage();
    }
    return verdict + "; the runs resumed after epochs " + resumedFrom;
  }

  /**
   * The job spec: 2048 rows of 16 features in 4 classes, an MLP 16-32-4, Adam, 4 epochs on 2
   * workers of 8 rounds each (4 local steps of 32 rows); only {@code job.dir} differs between runs.
   */
  private static Path writeSpec(String name, Path jobDir) throws IOException {
    return writeSpec(name, jobDir, 6000);
  }

  /** {@link #writeSpec(String, Path)} with {@code lease.ttl_ms} set to {@code leaseTtlMs}. */
  private static Path writeSpec(String name, Path jobDir, long leaseTtlMs) throws IOException {
    return writeSpec(name, jobDir.toAbsolutePath().toString(), leaseTtlMs);
  }

  /** {@link #writeSpec(String, Path, long)} with {@code job.dir} given as a path or URI. */
  private static Path writeSpec(String name, String jobDir, long leaseTtlMs) throws IOException {
    Path spec = shared.resolve(name + ".properties");
    Files.write(spec, List.of(
        "job.name=driver-kill",
        "job.dir=" + jobDir,
        "job.seed=7",
        "model.name=mlp",
        "model.version=1",
        "model.input_dim=16",
        "model.hidden=32",
        "model.output_dim=4",
        "optimizer.name=adam",
        "optimizer.lr=0.003",
        "schedule.name=constant",
        "loss=softmax_cross_entropy",
        "train.batch_size=32",
        "train.epochs=" + EPOCHS,
        "train.workers=2",
        "train.local_steps=4",
        "train.threads_per_worker=1",
        "data.path=" + data.toAbsolutePath(),
        "data.format=parquet",
        "data.features=features",
        "data.label=label",
        "data.classes=4",
        "checkpoint.keep_last=2",
        "retry.backoff_ms=200",
        "lease.ttl_ms=" + leaseTtlMs), StandardCharsets.UTF_8);
    return spec;
  }
}
