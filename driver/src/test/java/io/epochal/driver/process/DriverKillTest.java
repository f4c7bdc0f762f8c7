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
import java.util.Arrays;
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
 * short one (3 s) and a resume waits for the recorded expiry (and retries while {@code resume}
 * still answers "lease held", exit code 3).
 *
 * <p>The moments of the mid-epoch kills come from a seeded {@link Random}; set
 * {@code -Depochal.test.kill.seed=N} to replay or vary them. Each run prints its seed and delays.
 */
class DriverKillTest {

  private static final int EPOCHS = 4;
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(6);
  private static final int RESUME_TRIES = 4;

  @TempDir
  static Path shared;

  private static EpochalCommands cli;
  private static Path data;
  private static LoadedCheckpoint reference;
  private static long epochMillis;

  @BeforeAll
  static void generateDataAndTrainWithoutInterruption() throws Exception {
    cli = EpochalCommands.onClasspath(ChildJvm.testClasspath(), shared);
    data = shared.resolve("data");
    cli.run("gen-data", RUN_TIMEOUT, "gen-data", data.toString(), "--rows", "2048", "--features", "16",
        "--classes", "4", "--seed", "5").assertOk();

    JobDirWatch ref = new JobDirWatch(shared.resolve("reference"));
    long[] published = new long[EPOCHS + 1];
    try (ChildJvm driver = cli.startTrain("train-reference", writeSpec("reference", ref.dir()))) {
      for (int e = 1; e <= EPOCHS; e++) {
        published[e] = ref.awaitCheckpoint(e, driver, RUN_TIMEOUT);
      }
      assertThat(driver.awaitExit(RUN_TIMEOUT)).as("exit code of the reference run:\n%s", driver.logTail(40))
          .isZero();
    }
    ref.assertEveryCheckpointVerifies();
    reference = ref.load(EPOCHS);
    long[] epochs = new long[EPOCHS - 1];
    for (int e = 2; e <= EPOCHS; e++) {
      epochs[e - 2] = (published[e] - published[e - 1]) / 1_000_000;
    }
    Arrays.sort(epochs);
    epochMillis = Math.max(200, epochs[epochs.length / 2]);
    System.out.printf("DriverKillTest: one epoch takes about %d ms (epochs 2..%d: %s)%n", epochMillis, EPOCHS,
        Arrays.toString(epochs));
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
    // Kill the driver at a random moment of the epoch after the first checkpoint it publishes
    // itself; resume; repeat while an epoch is left to be killed in.
    while (latest + 1 < EPOCHS) {
      kill++;
      String name = "mid-epoch-" + seed + "-run-" + kill;
      if (kill > 1) {
        job.awaitLeaseExpiry(Duration.ofMinutes(2));
      }
      try (ChildJvm driver = kill == 1 ? cli.startTrain(name, spec)
          : cli.start(name, "resume", job.dir().toString())) {
        long published = job.awaitCheckpoint(latest + 1, driver, RUN_TIMEOUT);
        long delayMs = (long) (epochMillis * (0.1 + 0.8 * random.nextDouble()));
        long sleepMs = delayMs - (System.nanoTime() - published) / 1_000_000;
        if (sleepMs > 0) {
          Thread.sleep(sleepMs);
        }
        assertThat(driver.isAlive()).as("%s runs %d ms after epoch %d was published:\n%s", driver, delayMs,
            latest + 1, driver.logTail(40)).isTrue();
        driver.kill();
        System.out.printf("DriverKillTest: seed %d, kill %d: SIGKILL %d ms after epoch %d was published%n", seed,
            kill, delayMs, latest + 1);
      }
      if (kill > 1) {
        resumedFrom.add(latest);
      }
      latest = inspectAfterKill(job, "after kill " + kill + " (seed " + seed + ")");
    }
    resumedFrom.add(latest);

    resumeAndCompare(job, "mid-epoch-" + seed + "-resume", resumedFrom);
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
    cli.resumeAfterLeaseExpiry(name, job, RESUME_TRIES, RUN_TIMEOUT).assertOk();

    List<Long> resumes = job.events().stream().filter(e -> e.getType() == JobEventType.RESUMED)
        .map(JobEvent::getEpoch).toList();
    assertThat(resumes).as("epochs the resumes of %s started after", job).isEqualTo(resumedFrom);
    assertThat(job.temporaryDirs()).as("temporary directories left in %s after the resume", job).isEmpty();
    assertThat(job.assertStoreListsOnlyPublishedCheckpoints()).contains((long) EPOCHS);
    job.assertEveryCheckpointVerifies();
    assertThat(job.status()).as("state of %s", job).hasValueSatisfying(
        s -> assertThat(s.getState()).isEqualTo(JobState.COMPLETED));

    BitIdentical.assertSameTrainingState(reference, job.load(EPOCHS));
  }

  /**
   * The job spec: 2048 rows of 16 features in 4 classes, an MLP 16-32-4, Adam, 4 epochs on 2
   * workers of 8 rounds each (4 local steps of 32 rows); only {@code job.dir} differs between runs.
   */
  private static Path writeSpec(String name, Path jobDir) throws IOException {
    Path spec = shared.resolve(name + ".properties");
    Files.write(spec, List.of(
        "job.name=driver-kill",
        "job.dir=" + jobDir.toAbsolutePath(),
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
        "lease.ttl_ms=3000"), StandardCharsets.UTF_8);
    return spec;
  }
}
